using ObjectOS.Storage.Benchmarks.Infrastructure;

namespace ObjectOS.Storage.Benchmarks.Memory;

/// <summary>Creates the memory-backed storage the memory benchmarks measure, with a key limit large enough for every scenario.</summary>
internal static class MemoryBenchmarkStore
{
    public static async Task<StoragePlugin> CreateAsync(int maxKeys = 4_000_000)
    {
        var plugin = new StoragePlugin(new MemoryStorageBackend(new MemoryStorageOptions { MaxKeys = maxKeys }));
        await plugin.InitializeAsync();
        return plugin;
    }

    public static IScopedStorage Scope(StoragePlugin plugin) => plugin.GetScopedStorage(BenchmarkKeys.Scope);
}
