using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ObjectOS.Storage.Benchmarks.Infrastructure;

namespace ObjectOS.Storage.Benchmarks.Memory;

/// <summary>
/// Deletes of existing keys. Deleting is destructive, so each iteration is one invocation that deletes
/// <see cref="Operations"/> keys, refilled (unmeasured) by the iteration setup.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(1, 1)]
public class MemoryDeleteBenchmarks
{
    private const int Operations = 16_384;

    private string[] _keys = null!;
    private byte[] _json = null!;
    private ConcurrentDictionary<string, byte[]> _dictionary = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.Concurrencies))]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _keys = BenchmarkKeys.Keys(Operations);
        _json = BenchmarkJson.Serialize(BenchmarkDocument.Create(ValueSize.Small100B, 1));
        _dictionary = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        _plugin = await MemoryBenchmarkStore.CreateAsync();
        _scoped = MemoryBenchmarkStore.Scope(_plugin);
    }

    [IterationSetup(Target = nameof(ConcurrentDictionary_TryRemove))]
    public void RefillDictionary()
    {
        foreach (var key in _keys)
        {
            _dictionary[key] = _json;
        }
    }

    [IterationSetup(Target = nameof(Storage_DeleteAsync))]
    public void RefillStorage()
    {
        foreach (var key in _keys)
        {
            _scoped.SetBytesAsync(key, _json).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _plugin.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Delete")]
    public Task<long> ConcurrentDictionary_TryRemove() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        long removed = 0;
        for (var i = first; i < first + count; i++)
        {
            removed += _dictionary.TryRemove(_keys[i], out _) ? 1 : 0;
        }

        return removed;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Delete")]
    public Task<long> Storage_DeleteAsync() => Workers.DeleteEachAsync(_scoped, _keys, Concurrency, Operations);
}
