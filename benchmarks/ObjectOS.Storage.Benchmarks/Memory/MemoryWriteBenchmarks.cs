using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Caching.Memory;
using ObjectOS.Storage.Benchmarks.Infrastructure;

namespace ObjectOS.Storage.Benchmarks.Memory;

/// <summary>
/// Overwrites of existing keys, without and with a time to live. The baseline serializes with System.Text.Json into
/// a <see cref="ConcurrentDictionary{TKey, TValue}"/> (with TTL: an entry holding the bytes and the expiry instant);
/// <see cref="MemoryCache"/> stores the object reference, for context. Every write bumps the document's revision.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MemoryWriteBenchmarks
{
    private const int Operations = 1024;
    private const int KeyCount = 4096;
    private static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(10);

    private string[] _keys = null!;
    private BenchmarkDocument[] _workerDocuments = null!;
    private ConcurrentDictionary<string, byte[]> _dictionary = null!;
    private ConcurrentDictionary<string, ExpiringValue> _expiringDictionary = null!;
    private MemoryCache _memoryCache = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;

    /// <summary>What a hand-written TTL map stores: the JSON and when it expires.</summary>
    private sealed record ExpiringValue(byte[] Json, DateTimeOffset ExpiresAt);

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.ValueSizes))]
    public ValueSize ValueSize { get; set; }

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.Concurrencies))]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _keys = BenchmarkKeys.Keys(KeyCount);
        _workerDocuments = Enumerable.Range(0, Concurrency).Select(w => BenchmarkDocument.Create(ValueSize, w)).ToArray();
        _dictionary = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        _expiringDictionary = new ConcurrentDictionary<string, ExpiringValue>(StringComparer.Ordinal);
        _memoryCache = new MemoryCache(new MemoryCacheOptions());
        _plugin = await MemoryBenchmarkStore.CreateAsync();
        _scoped = MemoryBenchmarkStore.Scope(_plugin);
        var document = BenchmarkDocument.Create(ValueSize, 0);
        var json = BenchmarkJson.Serialize(document);
        foreach (var key in _keys)
        {
            _dictionary[key] = json;
            _expiringDictionary[key] = new ExpiringValue(json, DateTimeOffset.MaxValue);
            _memoryCache.Set(key, document);
            await _scoped.SetBytesAsync(key, json);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _memoryCache.Dispose();
        await _plugin.DisposeAsync();
    }

    private string KeyOf(int operation) => _keys[operation & (KeyCount - 1)];

    /// <summary>The document a worker writes, with a new revision so that every write changes the value.</summary>
    private BenchmarkDocument NextRevision(int worker)
    {
        var document = _workerDocuments[worker];
        document.Revision++;
        return document;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set")]
    public Task<long> ConcurrentDictionary_Serialize() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            _dictionary[KeyOf(i)] = BenchmarkJson.Serialize(NextRevision(worker));
        }

        return count;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set")]
    public Task<long> Storage_SetAsync() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            await _scoped.SetAsync(KeyOf(i), NextRevision(worker));
        }

        return count;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set")]
    public Task<long> MemoryCache_Set() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            _memoryCache.Set(KeyOf(i), NextRevision(worker));
        }

        return count;
    });

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl")]
    public Task<long> ConcurrentDictionary_SerializeWithExpiry() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            _expiringDictionary[KeyOf(i)] = new ExpiringValue(BenchmarkJson.Serialize(NextRevision(worker)), DateTimeOffset.UtcNow + TimeToLive);
        }

        return count;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl")]
    public Task<long> Storage_SetAsync_WithTtl() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            await _scoped.SetAsync(KeyOf(i), NextRevision(worker), TimeToLive);
        }

        return count;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl")]
    public Task<long> MemoryCache_Set_WithTtl() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            _memoryCache.Set(KeyOf(i), NextRevision(worker), TimeToLive);
        }

        return count;
    });
}
