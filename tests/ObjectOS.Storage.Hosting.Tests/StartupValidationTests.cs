using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Hosting.Tests;

public sealed class StartupValidationTests(ITestOutputHelper output)
{
    private async Task<OptionsValidationException> StartFailsWithValidation(Dictionary<string, string?> configuration, Action<ObjectOSStorageBuilder>? storage = null)
    {
        using var host = TestHosts.Build(configuration, storage);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        output.WriteLine(error.Message);
        return error;
    }

    [Fact]
    public async Task An_unknown_backend_name_is_reported_with_the_choices()
    {
        var error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Sqllite" });
        Assert.Contains("Storage:Backend is 'Sqllite'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Memory, Sqlite, Redis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_numeric_backend_is_not_accepted()
    {
        var error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "1" });
        Assert.Contains("Storage:Backend is '1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_setting_is_reported_instead_of_ignored()
    {
        var error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Memory", ["Storage:MaxValueByte"] = "10" });
        Assert.Contains("Storage:MaxValueByte is not a storage setting", error.Message, StringComparison.Ordinal);

        error = await StartFailsWithValidation(new() { ["Storage:Metrics:IncludePluginId"] = "true" });
        Assert.Contains("Storage:Metrics:IncludePluginId is not a storage setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_backend_setting_is_reported()
    {
        var error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Sqlite", ["Storage:Sqlite:Pth"] = "x.db" });
        Assert.Contains("Storage:Sqlite:Pth is not a setting of SqliteStorageOptions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Out_of_range_limits_are_reported_by_name()
    {
        var error = await StartFailsWithValidation(new() { ["Storage:MaxValueBytes"] = "-1", ["Storage:MaxKeyLength"] = "0" });
        Assert.Contains("Storage:MaxValueBytes is -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:MaxKeyLength is 0", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Failures.Count());
    }

    [Fact]
    public async Task A_value_the_backend_options_reject_is_reported_with_its_section()
    {
        var error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Memory", ["Storage:Memory:MaxKeys"] = "0" });
        Assert.Equal("Storage:Memory:MaxKeys: MaxKeys must be positive.", Assert.Single(error.Failures));

        error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Sqlite", ["Storage:Sqlite:BusyTimeout"] = "-00:00:01" });
        Assert.StartsWith("Storage:Sqlite:BusyTimeout: BusyTimeout must be between", Assert.Single(error.Failures), StringComparison.Ordinal);

        error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Sqlite", ["Storage:Sqlite:ReaderPoolSize"] = "many" });
        Assert.StartsWith("Storage:Sqlite:ReaderPoolSize: ", Assert.Single(error.Failures), StringComparison.Ordinal);
        Assert.Contains("'many'", error.Message, StringComparison.Ordinal);

        // Several bad settings are all reported at once.
        error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Sqlite", ["Storage:Sqlite:MaxBatchSize"] = "0", ["Storage:Sqlite:Wal"] = "maybe" });
        Assert.Equal(2, error.Failures.Count());
    }

    [Fact]
    public async Task A_redis_setting_the_options_reject_is_reported()
    {
        var error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Redis", ["Storage:Redis:Port"] = "70000" });
        Assert.StartsWith("Storage:Redis:Port: ", Assert.Single(error.Failures), StringComparison.Ordinal);
        Assert.Contains("70000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_of_a_backend_not_in_use_do_not_stop_the_host()
    {
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory", ["Storage:Sqlite:BusyTimeout"] = "-00:00:01" });
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task Custom_backend_without_a_factory_is_reported()
    {
        var error = await StartFailsWithValidation(new() { ["Storage:Backend"] = "Custom" });
        Assert.Contains("UseBackend", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unusable_sqlite_path_fails_start_with_the_backends_typed_exception()
    {
        using var temp = new TempDirectory();
        var notADirectory = temp.File("plain-file");
        await File.WriteAllTextAsync(notADirectory, "not a directory");
        using var host = TestHosts.Build(new()
        {
            ["Storage:Backend"] = "Sqlite",
            ["Storage:Sqlite:Path"] = Path.Combine(notADirectory, "storage.db"),
        });

        var error = await Assert.ThrowsAsync<StorageConfigurationException>(() => host.StartAsync());
        output.WriteLine(error.Message);
        Assert.Contains("plain-file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_redis_fails_start_with_a_typed_exception()
    {
        using var host = TestHosts.Build(new()
        {
            ["Storage:Backend"] = "Redis",
            ["Storage:Redis:Host"] = "127.0.0.1",
            ["Storage:Redis:Port"] = TestHosts.ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Storage:Redis:ConnectTimeout"] = "00:00:00.500",
        });

        var error = await Assert.ThrowsAnyAsync<StorageException>(() => host.StartAsync());
        output.WriteLine($"{error.GetType().Name}: {error.Message}");
        Assert.True(error is StorageUnavailableException or StorageConfigurationException, error.GetType().Name);
    }

    [Fact]
    public async Task Without_initialize_on_start_the_host_starts_and_the_first_use_fails()
    {
        using var temp = new TempDirectory();
        var notADirectory = temp.File("plain-file");
        await File.WriteAllTextAsync(notADirectory, "x");
        using var host = TestHosts.Build(new()
        {
            ["Storage:Backend"] = "Sqlite",
            ["Storage:InitializeOnStart"] = "false",
            ["Storage:Sqlite:Path"] = Path.Combine(notADirectory, "storage.db"),
        });

        await host.StartAsync();
        var storage = host.Services.GetRequiredService<IStorageService>();
        await Assert.ThrowsAsync<StorageConfigurationException>(async () => await storage.GetAsync<int>("k"));
        await host.StopAsync();
    }
}
