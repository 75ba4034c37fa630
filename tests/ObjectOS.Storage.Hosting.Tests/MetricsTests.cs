using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using ObjectOS.Storage.Diagnostics;

namespace ObjectOS.Storage.Hosting.Tests;

public sealed class MetricsTests
{
    private static MetricCollector<T> Collect<T>(IHost host, string instrument) where T : struct
        => new(host.Services.GetRequiredService<IMeterFactory>(), StorageDiagnostics.MeterName, instrument);

    private static int CountOf(MetricCollector<long> collector, string operation)
        => (int)collector.GetMeasurementSnapshot()
            .Where(m => Equals(m.Tags[StorageDiagnostics.OperationTagName], operation))
            .Sum(m => m.Value);

    [Fact]
    public async Task Operations_are_counted_and_timed_per_operation_and_backend()
    {
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory" });
        using var operations = Collect<long>(host, StorageDiagnostics.OperationsInstrumentName);
        using var duration = Collect<double>(host, StorageDiagnostics.OperationDurationInstrumentName);
        using var sizes = Collect<long>(host, StorageDiagnostics.ValueSizeInstrumentName);
        using var errors = Collect<long>(host, StorageDiagnostics.ErrorsInstrumentName);
        await host.StartAsync();

        var scoped = host.Services.GetRequiredService<IPluginStorageFactory>().GetScopedStorage("my-plugin");
        await scoped.SetAsync("a", "x");
        await scoped.SetAsync("b", "y");
        Assert.Equal("x", await scoped.GetAsync<string>("a"));
        Assert.Null(await scoped.GetAsync<string>("missing"));
        Assert.True(await scoped.ExistsAsync("b"));
        Assert.Equal(["a", "b"], await scoped.KeysAsync());
        Assert.True(await scoped.DeleteAsync("a"));
        Assert.Equal(1, await scoped.ClearAsync());

        Assert.Equal(2, CountOf(operations, StorageDiagnostics.OperationSet));
        Assert.Equal(2, CountOf(operations, StorageDiagnostics.OperationGet));
        Assert.Equal(1, CountOf(operations, StorageDiagnostics.OperationExists));
        Assert.Equal(1, CountOf(operations, StorageDiagnostics.OperationListKeys));
        Assert.Equal(1, CountOf(operations, StorageDiagnostics.OperationDelete));
        Assert.Equal(1, CountOf(operations, StorageDiagnostics.OperationDeleteKeys));
        Assert.Equal(1, CountOf(operations, StorageDiagnostics.OperationInitialize));
        Assert.All(operations.GetMeasurementSnapshot(), m =>
        {
            Assert.Equal("memory", m.Tags[StorageDiagnostics.BackendTagName]);
            Assert.False(m.Tags.ContainsKey(StorageDiagnostics.PluginIdTagName), "the plugin id tag is opt-in");
            Assert.False(m.Tags.ContainsKey(StorageDiagnostics.ErrorTypeTagName));
        });

        var timings = duration.GetMeasurementSnapshot();
        Assert.Equal(operations.GetMeasurementSnapshot().Count, timings.Count);
        Assert.All(timings, m => Assert.True(m.Value >= 0));
        Assert.Equal(2, timings.Count(m => Equals(m.Tags[StorageDiagnostics.OperationTagName], StorageDiagnostics.OperationSet)));

        // "x" and "y" are 3 bytes of JSON each; one get hit read 3 bytes, the miss records nothing.
        Assert.Equal([3L, 3L, 3L], sizes.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Empty(errors.GetMeasurementSnapshot());
        await host.StopAsync();
    }

    [Fact]
    public async Task Failures_are_counted_as_errors_with_their_type()
    {
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory", ["Storage:Memory:MaxKeys"] = "1" });
        using var operations = Collect<long>(host, StorageDiagnostics.OperationsInstrumentName);
        using var errors = Collect<long>(host, StorageDiagnostics.ErrorsInstrumentName);
        await host.StartAsync();

        var storage = host.Services.GetRequiredService<IStorageService>();
        await storage.SetAsync("one", 1);
        await Assert.ThrowsAsync<StorageQuotaExceededException>(async () => await storage.SetAsync("two", 2));

        var error = Assert.Single(errors.GetMeasurementSnapshot());
        Assert.Equal(1, error.Value);
        Assert.Equal(StorageDiagnostics.OperationSet, error.Tags[StorageDiagnostics.OperationTagName]);
        Assert.Equal("memory", error.Tags[StorageDiagnostics.BackendTagName]);
        Assert.Equal(typeof(StorageQuotaExceededException).FullName, error.Tags[StorageDiagnostics.ErrorTypeTagName]);

        var sets = operations.GetMeasurementSnapshot().Where(m => Equals(m.Tags[StorageDiagnostics.OperationTagName], StorageDiagnostics.OperationSet)).ToList();
        Assert.Equal(2, sets.Count);
        Assert.Single(sets, m => m.Tags.ContainsKey(StorageDiagnostics.ErrorTypeTagName));
        await host.StopAsync();
    }

    [Fact]
    public async Task The_plugin_id_tag_is_added_when_opted_in()
    {
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory", ["Storage:Metrics:IncludePluginIdTag"] = "true" });
        using var operations = Collect<long>(host, StorageDiagnostics.OperationsInstrumentName);
        await host.StartAsync();

        var storage = host.Services.GetRequiredService<IStorageService>();
        await storage.GetScopedStorage("my-plugin").SetAsync("a", 1);
        await storage.GetScopedStorage("@objectos/auth").SetAsync("b", 2);
        await storage.SetAsync("root-key", 3);

        var sets = operations.GetMeasurementSnapshot().Where(m => Equals(m.Tags[StorageDiagnostics.OperationTagName], StorageDiagnostics.OperationSet)).ToList();
        Assert.Equal(3, sets.Count);
        Assert.Equal("my-plugin", sets[0].Tags[StorageDiagnostics.PluginIdTagName]);
        Assert.Equal("@objectos/auth", sets[1].Tags[StorageDiagnostics.PluginIdTagName]);
        Assert.False(sets[2].Tags.ContainsKey(StorageDiagnostics.PluginIdTagName), "the root store has no plugin id");
        await host.StopAsync();
    }

    [Fact]
    public async Task The_plugin_id_tag_can_be_turned_on_in_code()
    {
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory" }, storage => storage.WithMetrics(m => m.IncludePluginIdTag = true));
        using var operations = Collect<long>(host, StorageDiagnostics.OperationsInstrumentName);
        await host.StartAsync();
        await host.Services.GetRequiredService<IPluginStorageFactory>().GetScopedStorage("billing").SetAsync("k", 1);
        Assert.Contains(operations.GetMeasurementSnapshot(), m => Equals(m.Tags.GetValueOrDefault(StorageDiagnostics.PluginIdTagName), "billing"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Metrics_can_be_turned_off()
    {
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory", ["Storage:Metrics:Enabled"] = "false" });
        await host.StartAsync();
        Assert.IsType<MemoryStorageBackend>(host.Services.GetRequiredService<StoragePlugin>().Backend);
        await host.StopAsync();
    }

    [Fact]
    public async Task Sqlite_operations_are_tagged_with_the_sqlite_backend()
    {
        using var temp = new TempDirectory();
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Sqlite", ["Storage:Sqlite:Path"] = temp.File("m.db") });
        using var operations = Collect<long>(host, StorageDiagnostics.OperationsInstrumentName);
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<IStorageService>();
        await storage.SetAsync("k", 1);
        Assert.Equal(1, await storage.GetAsync<int>("k"));
        Assert.Contains(operations.GetMeasurementSnapshot(), m =>
            Equals(m.Tags[StorageDiagnostics.BackendTagName], "sqlite") && Equals(m.Tags[StorageDiagnostics.OperationTagName], StorageDiagnostics.OperationGet));
        await host.StopAsync();
    }

    [Fact]
    public async Task The_decorator_works_without_a_host_on_a_meter_of_its_own()
    {
        using var meter = new Meter(StorageDiagnostics.MeterName);
        using var operations = new MetricCollector<long>(meter, StorageDiagnostics.OperationsInstrumentName);
        await using var plugin = new StoragePlugin(new InstrumentedStorageBackend(new MemoryStorageBackend(), meter));
        await plugin.GetScopedStorage("p").SetAsync("k", 1);
        await plugin.GetScopedStorage("p").KeysAsync("k*");

        var snapshot = operations.GetMeasurementSnapshot();
        Assert.Contains(snapshot, m => Equals(m.Tags[StorageDiagnostics.OperationTagName], StorageDiagnostics.OperationSet));
        Assert.Contains(snapshot, m => Equals(m.Tags[StorageDiagnostics.OperationTagName], StorageDiagnostics.OperationListKeys));
    }

    [Fact]
    public async Task An_early_stop_of_a_listing_counts_as_one_successful_operation()
    {
        using var meter = new Meter(StorageDiagnostics.MeterName);
        using var operations = new MetricCollector<long>(meter, StorageDiagnostics.OperationsInstrumentName);
        await using var plugin = new StoragePlugin(new InstrumentedStorageBackend(new MemoryStorageBackend(), meter));
        for (var i = 0; i < 5; i++)
        {
            await plugin.SetAsync($"k{i}", i);
        }

        await foreach (var _ in plugin.EnumerateKeysAsync())
        {
            break;
        }

        var listing = Assert.Single(operations.GetMeasurementSnapshot(), m => Equals(m.Tags[StorageDiagnostics.OperationTagName], StorageDiagnostics.OperationListKeys));
        Assert.False(listing.Tags.ContainsKey(StorageDiagnostics.ErrorTypeTagName));
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_tagged_but_not_counted_as_an_error()
    {
        using var meter = new Meter(StorageDiagnostics.MeterName);
        using var operations = new MetricCollector<long>(meter, StorageDiagnostics.OperationsInstrumentName);
        using var errors = new MetricCollector<long>(meter, StorageDiagnostics.ErrorsInstrumentName);
        await using var plugin = new StoragePlugin(new InstrumentedStorageBackend(new MemoryStorageBackend(), meter));
        for (var i = 0; i < 3; i++)
        {
            await plugin.SetAsync($"k{i}", i);
        }

        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in plugin.EnumerateKeysAsync(cancellationToken: cancel.Token))
            {
                await cancel.CancelAsync();
            }
        });

        var listing = Assert.Single(operations.GetMeasurementSnapshot(), m => Equals(m.Tags[StorageDiagnostics.OperationTagName], StorageDiagnostics.OperationListKeys));
        Assert.Equal(typeof(OperationCanceledException).FullName, listing.Tags[StorageDiagnostics.ErrorTypeTagName]);
        Assert.Empty(errors.GetMeasurementSnapshot());
    }
}
