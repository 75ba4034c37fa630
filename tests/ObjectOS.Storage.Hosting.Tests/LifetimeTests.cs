using Microsoft.Extensions.DependencyInjection;

namespace ObjectOS.Storage.Hosting.Tests;

public sealed class LifetimeTests
{
    [Fact]
    public async Task The_memory_sweeper_runs_while_the_host_runs_and_stops_with_it()
    {
        var time = new TrackingTimeProvider();
        using var host = TestHosts.Build(
            new() { ["Storage:Backend"] = "Memory", ["Storage:Memory:TtlCheckInterval"] = "00:00:10" },
            services: s => s.AddSingleton<TimeProvider>(time));
        Assert.Equal(0, time.LiveTimers);

        await host.StartAsync();
        Assert.Equal(1, time.LiveTimers);
        var plugin = host.Services.GetRequiredService<StoragePlugin>();
        var memory = Assert.IsType<MemoryStorageBackend>(((Diagnostics.InstrumentedStorageBackend)plugin.Backend).InnerBackend);
        Assert.Same(time, memory.Options.TimeProvider);

        await plugin.SetAsync("short", 1, TimeSpan.FromSeconds(1));
        await plugin.SetAsync("long", 2);
        Assert.Equal(2, memory.Count);
        time.Fake.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, memory.Count); // The sweeper purged the expired key.

        await host.StopAsync();
        Assert.Equal(0, time.LiveTimers);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await plugin.GetAsync<int>("long"));
    }

    [Fact]
    public async Task Sqlite_sweeper_and_file_handles_end_with_the_host()
    {
        using var temp = new TempDirectory();
        var path = temp.File("lifetime.db");
        var time = new TrackingTimeProvider();
        using var host = TestHosts.Build(
            new() { ["Storage:Backend"] = "Sqlite", ["Storage:Sqlite:Path"] = path },
            services: s => s.AddSingleton<TimeProvider>(time));

        await host.StartAsync();
        var plugin = host.Services.GetRequiredService<StoragePlugin>();
        await plugin.SetAsync("k", "v");
        Assert.True(time.LiveTimers >= 1, "the sqlite sweeper should run on the host's clock");
        Assert.True(TestHosts.ProcessHasOpenHandle(path));

        await host.StopAsync();
        Assert.Equal(0, time.LiveTimers);
        Assert.False(TestHosts.ProcessHasOpenHandle(path), "the sqlite file should be closed when the host stops");
    }

    [Fact]
    public async Task Hosted_services_can_still_write_while_they_stop()
    {
        var builder = TestHosts.NewBuilder(new Dictionary<string, string?> { ["Storage:Backend"] = "Memory" });
        builder.Services.AddObjectOSStorage(builder.Configuration.GetSection("Storage"));
        var writer = new WritesOnStop();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(sp =>
        {
            writer.Storage = sp.GetRequiredService<IStorageService>();
            return writer;
        });
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
        Assert.True(writer.Wrote);
    }

    private sealed class WritesOnStop : Microsoft.Extensions.Hosting.IHostedService
    {
        public IStorageService? Storage { get; set; }

        public bool Wrote { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await Storage!.SetAsync("last-words", "bye", cancellationToken: cancellationToken);
            Wrote = await Storage.ExistsAsync("last-words", cancellationToken);
        }
    }
}
