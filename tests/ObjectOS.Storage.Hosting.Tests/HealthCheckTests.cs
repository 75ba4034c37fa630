using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Hosting.Tests;

public sealed class HealthCheckTests(ITestOutputHelper output)
{
    private static IHost BuildWithHealthCheck(Dictionary<string, string?> configuration)
        => TestHosts.Build(configuration, services: s => s.AddHealthChecks().AddObjectOSStorageCheck(tags: ["ready"]));

    private static async Task<HealthReportEntry> CheckAsync(IHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return Assert.Single(report.Entries, e => e.Key == StorageHealthCheck.DefaultName).Value;
    }

    [Fact]
    public async Task Memory_storage_is_healthy_and_the_probe_writes_no_key()
    {
        using var host = BuildWithHealthCheck(new() { ["Storage:Backend"] = "Memory" });
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<IStorageService>();
        await storage.SetAsync("__health_check__", "user data");

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("memory", entry.Data[StorageHealthCheck.BackendDataKey]);
        Assert.Contains("ready", entry.Tags);
        Assert.Equal(["__health_check__"], await storage.KeysAsync());
        Assert.Equal("user data", await storage.GetAsync<string>("__health_check__"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Sqlite_storage_is_healthy_and_the_probe_writes_no_key()
    {
        using var temp = new TempDirectory();
        using var host = BuildWithHealthCheck(new() { ["Storage:Backend"] = "Sqlite", ["Storage:Sqlite:Path"] = temp.File("h.db") });
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<IStorageService>();

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("sqlite", entry.Data[StorageHealthCheck.BackendDataKey]);
        Assert.Empty(await storage.KeysAsync());
        await host.StopAsync();
    }

    [Fact]
    public async Task Sqlite_in_an_unwritable_place_is_unhealthy()
    {
        using var temp = new TempDirectory();
        var notADirectory = temp.File("plain-file");
        await File.WriteAllTextAsync(notADirectory, "x");
        using var host = BuildWithHealthCheck(new()
        {
            ["Storage:Backend"] = "Sqlite",
            ["Storage:InitializeOnStart"] = "false",
            ["Storage:Sqlite:Path"] = Path.Combine(notADirectory, "sub", "storage.db"),
        });
        await host.StartAsync();

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("plain-file", entry.Description, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task Redis_on_a_closed_port_is_unhealthy()
    {
        using var host = BuildWithHealthCheck(new()
        {
            ["Storage:Backend"] = "Redis",
            ["Storage:InitializeOnStart"] = "false",
            ["Storage:Redis:Host"] = "127.0.0.1",
            ["Storage:Redis:Port"] = TestHosts.ClosedPort().ToString(CultureInfo.InvariantCulture),
            ["Storage:Redis:ConnectTimeout"] = "00:00:00.500",
            ["Storage:Redis:OperationTimeout"] = "00:00:00.500",
        });
        await host.StartAsync();

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("redis", entry.Data[StorageHealthCheck.BackendDataKey]);
        await host.StopAsync();
    }

    [Fact]
    public async Task Redis_server_is_healthy_and_the_probe_writes_no_key()
    {
        if (TestHosts.RedisServer() is not { } redis)
        {
            output.WriteLine("OBJECTOS_REDIS is not set: skipping the healthy-Redis assertions (scripts/test.sh sets it).");
            return;
        }

        var prefix = $"hosting-test-{Guid.NewGuid():N}:";
        using var host = BuildWithHealthCheck(new()
        {
            ["Storage:Backend"] = "Redis",
            ["Storage:Redis:Host"] = redis.Host,
            ["Storage:Redis:Port"] = redis.Port.ToString(CultureInfo.InvariantCulture),
            ["Storage:Redis:KeyPrefix"] = prefix,
            ["Storage:Redis:ConnectTimeout"] = "00:00:05",
        });
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<IStorageService>();

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("redis", entry.Data[StorageHealthCheck.BackendDataKey]);
        Assert.Empty(await storage.KeysAsync());
        await host.StopAsync();
    }

    [Fact]
    public async Task A_stopped_host_reports_its_storage_unhealthy()
    {
        using var host = BuildWithHealthCheck(new() { ["Storage:Backend"] = "Memory" });
        await host.StartAsync();
        await host.StopAsync();

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
    }
}
