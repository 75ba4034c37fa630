using ObjectOS.Storage.Redis;
using StackExchange.Redis;

namespace ObjectOS.Storage.Redis.Tests;

/// <summary>
/// What the backend sends to Redis, read from INFO commandstats of a server of the test's own: bulk operations use a
/// script or SCAN page per batch (never one round trip per key), KEYS is never used, and health checks write nothing.
/// </summary>
public sealed class RedisCommandCostTests : IAsyncLifetime
{
    private RedisServerProcess? _server;
    private ConnectionMultiplexer? _admin;

    public async Task InitializeAsync()
    {
        _server = await RedisServerProcess.StartAsync("--appendonly", "no");
        _admin = await ConnectionMultiplexer.ConnectAsync(_server.EndPoint + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        await _admin!.DisposeAsync();
        await _server!.DisposeAsync();
    }

    private IServer Admin => _admin!.GetServer(_server!.EndPoint);

    private async Task<Dictionary<string, long>> CallsAsync()
    {
        var stats = await Admin.InfoAsync("commandstats");
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pair in stats.SelectMany(group => group))
        {
            // cmdstat_evalsha: calls=12,usec=...
            var name = pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal) ? pair.Key["cmdstat_".Length..] : pair.Key;
            var value = pair.Value.Split(',')[0];
            calls[name] = long.Parse(value["calls=".Length..]);
        }

        return calls;
    }

    private static long Delta(Dictionary<string, long> before, Dictionary<string, long> after, params string[] commands)
        => commands.Sum(c => after.GetValueOrDefault(c) - before.GetValueOrDefault(c));

    [Fact]
    public async Task Bulk_operations_take_one_round_trip_per_batch_and_never_use_keys()
    {
        const int count = 20_000;
        await using var storage = new StoragePlugin(new RedisStorageBackend(new RedisStorageOptions
        {
            ConnectionString = _server!.EndPoint,
            KeyPrefix = RedisTestServers.UniquePrefix(),
            BatchSize = 1000,
        }));
        var scoped = storage.GetScopedStorage("bulk");
        for (var start = 0; start < count; start += 2000)
        {
            await Task.WhenAll(Enumerable.Range(start, 2000).Select(i => scoped.SetAsync($"item:{i:D5}", i).AsTask()));
        }

        for (var start = 0; start < count; start += 2000)
        {
            await Task.WhenAll(Enumerable.Range(start, 2000).Select(i => storage.SetAsync($"root{i:D5}", i).AsTask()));
        }

        var scripts = new[] { "eval", "evalsha" };

        var before = await CallsAsync();
        Assert.Equal(count, (await scoped.KeysAsync()).Count);
        var afterList = await CallsAsync();
        Assert.InRange(Delta(before, afterList, scripts), 1, (count / 1000) + 2);

        Assert.Equal(count / 10, (await scoped.KeysAsync("item:????0")).Count);

        before = await CallsAsync();
        Assert.Equal(count, await scoped.ClearAsync());
        var afterClear = await CallsAsync();
        Assert.InRange(Delta(before, afterClear, scripts), 1, (count / 1000) + 2);
        Assert.Equal(count, Delta(before, afterClear, "unlink")); // run inside the scripts

        before = await CallsAsync();
        Assert.Equal(count, await storage.ClearAsync()); // root keys: SCAN pages plus one delete script per batch
        var afterRootClear = await CallsAsync();
        Assert.InRange(Delta(before, afterRootClear, scripts), 1, (count / 1000) + 2);
        Assert.InRange(Delta(before, afterRootClear, "scan"), 1, (2 * count / 1000) + 5);

        Assert.False((await CallsAsync()).ContainsKey("keys"), "KEYS must never be sent");
    }

    [Fact]
    public async Task A_pattern_delete_filters_exactly_and_deletes_in_batches()
    {
        var backend = new RedisStorageBackend(new RedisStorageOptions { ConnectionString = _server!.EndPoint, KeyPrefix = RedisTestServers.UniquePrefix(), BatchSize = 100 });
        await using var storage = new StoragePlugin(backend);
        var scoped = storage.GetScopedStorage("p");
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => scoped.SetAsync($"k{i:D4}", i).AsTask()));

        var before = await CallsAsync();
        var removed = await backend.DeleteKeysAsync(new KeyQuery("p:", GlobPattern.Parse("k*[05]")), default);
        var after = await CallsAsync();
        Assert.Equal(200, removed);
        Assert.InRange(Delta(before, after, "eval", "evalsha"), 2, 10 + 2 + 2);
        Assert.Equal(800, (await scoped.KeysAsync()).Count);
        Assert.Empty(await scoped.KeysAsync("k*[05]"));
    }

    [Fact]
    public async Task Health_checks_write_nothing()
    {
        await using var storage = new StoragePlugin(new RedisStorageBackend(new RedisStorageOptions { ConnectionString = _server!.EndPoint, KeyPrefix = RedisTestServers.UniquePrefix() }));
        await storage.SetAsync("k", 1);
        var keys = await Admin.DatabaseSizeAsync();
        var before = await CallsAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await storage.CheckHealthAsync()).IsHealthy);
        }

        var after = await CallsAsync();
        Assert.Equal(keys, await Admin.DatabaseSizeAsync());
        Assert.Equal(5, Delta(before, after, "ping"));
        Assert.Equal(0, Delta(before, after, "set", "eval", "evalsha", "del", "unlink", "expire", "pexpire"));
    }
}
