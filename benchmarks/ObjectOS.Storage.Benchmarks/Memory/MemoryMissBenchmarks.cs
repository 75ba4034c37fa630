using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Caching.Memory;
using ObjectOS.Storage.Benchmarks.Infrastructure;

namespace ObjectOS.Storage.Benchmarks.Memory;

/// <summary>Reads of keys that do not exist (the value size does not matter, so it is not a parameter).</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MemoryMissBenchmarks
{
    private const int Operations = 1024;
    private const int KeyCount = 4096;

    private string[] _missingKeys = null!;
    private ConcurrentDictionary<string, byte[]> _dictionary = null!;
    private MemoryCache _memoryCache = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.Concurrencies))]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var keys = BenchmarkKeys.Keys(KeyCount);
        _missingKeys = BenchmarkKeys.MissingKeys(KeyCount);
        _dictionary = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        _memoryCache = new MemoryCache(new MemoryCacheOptions());
        _plugin = await MemoryBenchmarkStore.CreateAsync();
        _scoped = MemoryBenchmarkStore.Scope(_plugin);
        var document = BenchmarkDocument.Create(ValueSize.Small100B, 1);
        var json = BenchmarkJson.Serialize(document);
        foreach (var key in keys)
        {
            _dictionary[key] = json;
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

    private string MissingKeyOf(int operation) => _missingKeys[operation & (KeyCount - 1)];

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetMiss")]
    public Task<long> ConcurrentDictionary_Miss() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += _dictionary.TryGetValue(MissingKeyOf(i), out _) ? 1 : 0;
        }

        return sum;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetMiss")]
    public Task<long> Storage_GetAsync_Miss() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += await _scoped.GetAsync<BenchmarkDocument>(MissingKeyOf(i)) is null ? 0 : 1;
        }

        return sum;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetMiss")]
    public Task<long> MemoryCache_Miss() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += _memoryCache.TryGetValue(MissingKeyOf(i), out _) ? 1 : 0;
        }

        return sum;
    });
}
