using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Caching.Memory;
using ObjectOS.Storage.Benchmarks.Infrastructure;

namespace ObjectOS.Storage.Benchmarks.Memory;

/// <summary>
/// Reads of existing keys from the memory backend, against a <see cref="ConcurrentDictionary{TKey, TValue}"/> of
/// JSON bytes plus System.Text.Json (the fair baseline: same snapshot semantics) and, for context, a
/// <see cref="MemoryCache"/> holding object references (no copy, no isolation). Times are per operation.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MemoryReadBenchmarks
{
    private const int Operations = 1024;
    private const int KeyCount = 4096;

    private string[] _keys = null!;
    private ConcurrentDictionary<string, byte[]> _dictionary = null!;
    private MemoryCache _memoryCache = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;
    private string[] _rootKeys = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.ValueSizes))]
    public ValueSize ValueSize { get; set; }

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.Concurrencies))]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _keys = BenchmarkKeys.Keys(KeyCount);
        _rootKeys = _keys.Select(k => BenchmarkKeys.ScopePrefix + k).ToArray();
        _dictionary = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        _memoryCache = new MemoryCache(new MemoryCacheOptions());
        _plugin = await MemoryBenchmarkStore.CreateAsync();
        _scoped = MemoryBenchmarkStore.Scope(_plugin);
        for (var i = 0; i < KeyCount; i++)
        {
            var document = BenchmarkDocument.Create(ValueSize, i);
            var json = BenchmarkJson.Serialize(document);
            _dictionary[_keys[i]] = json;
            _memoryCache.Set(_keys[i], document);
            await _scoped.SetBytesAsync(_keys[i], json);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _memoryCache.Dispose();
        await _plugin.DisposeAsync();
    }

    private string KeyOf(int operation) => _keys[operation & (KeyCount - 1)];

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetHit")]
    public Task<long> ConcurrentDictionary_Deserialize() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += _dictionary.TryGetValue(KeyOf(i), out var json) ? BenchmarkJson.Deserialize(json).Id : 0;
        }

        return sum;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetHit")]
    public Task<long> Storage_GetAsync() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += (await _scoped.GetAsync<BenchmarkDocument>(KeyOf(i)))!.Id;
        }

        return sum;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetHit")]
    public Task<long> MemoryCache_ObjectReference() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += _memoryCache.TryGetValue(KeyOf(i), out BenchmarkDocument? document) ? document!.Id : 0;
        }

        return sum;
    });

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetBytesHit")]
    public Task<long> ConcurrentDictionary_Lookup() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += _dictionary.TryGetValue(KeyOf(i), out var json) ? json.Length : 0;
        }

        return sum;
    });

    /// <summary>A plugin's scoped store: the physical key is <c>bench:item:…</c>, joined on the stack for the lookup.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetBytesHit")]
    public Task<long> Storage_GetBytesAsync() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += (await _scoped.GetBytesAsync(KeyOf(i)))!.Value.Length;
        }

        return sum;
    });

    /// <summary>The host's unscoped root store, the same physical keys passed whole.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetBytesHit")]
    public Task<long> StorageRoot_GetBytesAsync() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += (await _plugin.GetBytesAsync(_rootKeys[i & (KeyCount - 1)]))!.Value.Length;
        }

        return sum;
    });
}
