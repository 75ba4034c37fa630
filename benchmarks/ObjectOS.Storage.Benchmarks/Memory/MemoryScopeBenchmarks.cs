using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ObjectOS.Storage.Benchmarks.Infrastructure;

namespace ObjectOS.Storage.Benchmarks.Memory;

/// <summary>
/// Listing one plugin's 1,000 keys while <see cref="OtherKeys"/> keys live in 100 other plugins' scopes. The
/// baseline is what a plain dictionary offers: a scan of every key for the prefix, then a sort. The target is that
/// the library's time stays within 2x from 10k to 1M other keys.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MemoryKeysBenchmarks
{
    private const int ScopeKeys = 1_000;

    private ConcurrentDictionary<string, byte[]> _dictionary = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.OtherKeyCounts))]
    public int OtherKeys { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var json = "1"u8.ToArray();
        _dictionary = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        _plugin = await MemoryBenchmarkStore.CreateAsync();
        _scoped = MemoryBenchmarkStore.Scope(_plugin);
        foreach (var key in BenchmarkKeys.Keys(ScopeKeys))
        {
            _dictionary[BenchmarkKeys.ScopePrefix + key] = json;
            await _scoped.SetBytesAsync(key, json);
        }

        for (var i = 0; i < OtherKeys; i++)
        {
            var scope = BenchmarkKeys.OtherScope(i);
            var key = BenchmarkKeys.Key(i);
            _dictionary[scope + ":" + key] = json;
            await _plugin.GetScopedStorage(scope).SetBytesAsync(key, json);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _plugin.DisposeAsync();
        _dictionary.Clear();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Keys")]
    public int ConcurrentDictionary_PrefixScan()
    {
        var keys = new List<string>();
        foreach (var key in _dictionary.Keys)
        {
            if (key.StartsWith(BenchmarkKeys.ScopePrefix, StringComparison.Ordinal))
            {
                keys.Add(key[BenchmarkKeys.ScopePrefix.Length..]);
            }
        }

        keys.Sort(StringComparer.Ordinal);
        return keys.Count;
    }

    [Benchmark]
    [BenchmarkCategory("Keys")]
    public async Task<int> Storage_KeysAsync() => (await _scoped.KeysAsync()).Count;
}

/// <summary>
/// Clearing one plugin's scope of 10,000 keys while 100,000 keys live in other scopes. Each iteration is one
/// clear; the iteration setup refills the scope (unmeasured). The baseline removes the same 10,000 keys from a
/// dictionary by a list it kept: the least work a hand-written store can do.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(1, 1)]
public class MemoryClearBenchmarks
{
    private const int ScopeKeys = 10_000;
    private const int OtherKeys = 100_000;

    private string[] _keys = null!;
    private string[] _physicalKeys = null!;
    private byte[] _json = null!;
    private ConcurrentDictionary<string, byte[]> _dictionary = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _keys = BenchmarkKeys.Keys(ScopeKeys);
        _physicalKeys = _keys.Select(k => BenchmarkKeys.ScopePrefix + k).ToArray();
        _json = "1"u8.ToArray();
        _dictionary = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        _plugin = await MemoryBenchmarkStore.CreateAsync();
        _scoped = MemoryBenchmarkStore.Scope(_plugin);
        for (var i = 0; i < OtherKeys; i++)
        {
            var scope = BenchmarkKeys.OtherScope(i);
            var key = BenchmarkKeys.Key(i);
            _dictionary[scope + ":" + key] = _json;
            await _plugin.GetScopedStorage(scope).SetBytesAsync(key, _json);
        }
    }

    [IterationSetup(Target = nameof(ConcurrentDictionary_RemoveScopeKeys))]
    public void RefillDictionary()
    {
        foreach (var key in _physicalKeys)
        {
            _dictionary[key] = _json;
        }
    }

    [IterationSetup(Target = nameof(Storage_ClearAsync))]
    public void RefillStorage()
    {
        foreach (var key in _keys)
        {
            _scoped.SetBytesAsync(key, _json).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _plugin.DisposeAsync();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Clear")]
    public long ConcurrentDictionary_RemoveScopeKeys()
    {
        long removed = 0;
        foreach (var key in _physicalKeys)
        {
            removed += _dictionary.TryRemove(key, out _) ? 1 : 0;
        }

        return removed;
    }

    [Benchmark]
    [BenchmarkCategory("Clear")]
    public async Task<long> Storage_ClearAsync() => await _scoped.ClearAsync();
}
