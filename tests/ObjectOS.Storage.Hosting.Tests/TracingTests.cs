using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ObjectOS.Storage.Diagnostics;

namespace ObjectOS.Storage.Hosting.Tests;

public sealed class TracingTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StorageDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    // Spans are process-wide: other tests running in parallel also produce them, so pick ours by plugin id.
    private List<Activity> SpansOf(string pluginId)
        => _stopped.Where(a => Equals(a.GetTagItem(StorageDiagnostics.PluginIdTagName), pluginId)).ToList();

    [Fact]
    public async Task Each_operation_is_a_client_span_with_backend_operation_and_plugin()
    {
        var pluginId = TestHosts.UniquePluginId("traced");
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory" });
        await host.StartAsync();
        var scoped = host.Services.GetRequiredService<IPluginStorageFactory>().GetScopedStorage(pluginId);

        using (var parent = new Activity("request").Start())
        {
            await scoped.SetAsync("a", 1);
            Assert.Equal(1, await scoped.GetAsync<int>("a"));
            Assert.Equal(["a"], await scoped.KeysAsync());
            await scoped.ClearAsync();

            var spans = SpansOf(pluginId);
            Assert.Equal(
                ["objectos.storage.set", "objectos.storage.get", "objectos.storage.list_keys", "objectos.storage.delete_keys"],
                spans.Select(s => s.OperationName));
            Assert.All(spans, span =>
            {
                Assert.Equal(ActivityKind.Client, span.Kind);
                Assert.Equal(StorageDiagnostics.ActivitySourceName, span.Source.Name);
                Assert.Equal("memory", span.GetTagItem(StorageDiagnostics.BackendTagName));
                Assert.Equal("memory", span.GetTagItem(StorageDiagnostics.DbSystemTagName));
                Assert.Equal(span.OperationName[StorageDiagnostics.ActivityNamePrefix.Length..], span.GetTagItem(StorageDiagnostics.OperationTagName));
                Assert.Equal(ActivityStatusCode.Unset, span.Status);
                Assert.Equal(parent.TraceId, span.TraceId);
                Assert.Equal(parent.SpanId, span.ParentSpanId);
            });
            Assert.Equal(1L, spans[2].GetTagItem(StorageDiagnostics.KeyCountTagName));
            Assert.Equal(1L, spans[3].GetTagItem(StorageDiagnostics.KeyCountTagName));
        }

        await host.StopAsync();
    }

    [Fact]
    public async Task A_failed_operation_has_an_error_status_and_type()
    {
        var pluginId = TestHosts.UniquePluginId("failing");
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory", ["Storage:Memory:MaxKeys"] = "1" });
        await host.StartAsync();
        var scoped = host.Services.GetRequiredService<IPluginStorageFactory>().GetScopedStorage(pluginId);
        await scoped.SetAsync("one", 1);
        await Assert.ThrowsAsync<StorageQuotaExceededException>(async () => await scoped.SetAsync("two", 2));

        var failed = Assert.Single(SpansOf(pluginId), s => s.Status == ActivityStatusCode.Error);
        Assert.Equal("objectos.storage.set", failed.OperationName);
        Assert.Equal(typeof(StorageQuotaExceededException).FullName, failed.GetTagItem(StorageDiagnostics.ErrorTypeTagName));
        Assert.Contains("limit", failed.StatusDescription, StringComparison.OrdinalIgnoreCase);
        await host.StopAsync();
    }

    [Fact]
    public async Task Spans_carry_no_keys_or_values()
    {
        var pluginId = TestHosts.UniquePluginId("private");
        using var host = TestHosts.Build(new() { ["Storage:Backend"] = "Memory" });
        await host.StartAsync();
        var scoped = host.Services.GetRequiredService<IPluginStorageFactory>().GetScopedStorage(pluginId);
        await scoped.SetAsync("secret-key", "secret-value");

        var span = Assert.Single(SpansOf(pluginId));
        Assert.DoesNotContain(span.TagObjects, t => t.Value is string s && s.Contains("secret", StringComparison.Ordinal));
        await host.StopAsync();
    }
}
