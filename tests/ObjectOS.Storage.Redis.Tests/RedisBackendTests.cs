using System.Text;
using ObjectOS.Storage.Redis;
using StackExchange.Redis;

namespace ObjectOS.Storage.Redis.Tests;

/// <summary>
/// Redis-specific behaviour, run against the standalone server and the cluster: the Node.js-compatible layout, the
/// scope index (outside the key prefix, pruned, rebuilt by ReindexAsync), other applications' keys, and bulk
/// operations that give exactly the memory backend's results.
/// </summary>
public abstract class RedisBackendTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _disposables = [];
    private ConnectionMultiplexer? _raw;

    protected abstract bool Cluster { get; }

    protected string Prefix { get; } = RedisTestServers.UniquePrefix();

    /// <summary>A separate connection that sees the raw Redis keys, as another application (or Node.js) would.</summary>
    protected IDatabase Raw => _raw!.GetDatabase();

    protected ConnectionMultiplexer RawConnection => _raw!;

    public async Task InitializeAsync()
    {
        var servers = RedisTestServers.Instance;
        _raw = await ConnectionMultiplexer.ConnectAsync((Cluster ? servers.Cluster : servers.Standalone) + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            await _disposables[i].DisposeAsync();
        }

        await _raw!.DisposeAsync();
    }

    protected RedisStorageBackend CreateBackend(string? keyPrefix = null, Action<RedisStorageOptions>? configure = null)
    {
        var options = RedisTestServers.Instance.Options(Cluster, keyPrefix ?? Prefix);
        configure?.Invoke(options);
        var backend = new RedisStorageBackend(options);
        _disposables.Add(backend);
        return backend;
    }

    protected StoragePlugin CreateStorage(RedisStorageBackend backend)
    {
        var storage = new StoragePlugin(backend);
        _disposables.Add(storage);
        return storage;
    }

    /// <summary>Every key matching a Redis glob on every primary (SCAN), as raw strings.</summary>
    protected async Task<List<string>> RawScanAsync(string pattern)
    {
        var keys = new List<string>();
        foreach (var server in RawConnection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
            {
                keys.Add(key!);
            }
        }

        return keys;
    }

    [Fact]
    public async Task The_layout_is_the_nodejs_packages()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        var scoped = storage.GetScopedStorage("my-plugin");
        await scoped.SetAsync("config", new { theme = "dark" });
        await scoped.SetAsync("session", new { user = "john" }, TimeSpan.FromSeconds(60));
        await scoped.SetAsync("short", 1, TimeSpan.FromMilliseconds(10_500));
        await storage.SetAsync("plain", "root value");
        await storage.SetAsync("plain-short", 1, TimeSpan.FromMilliseconds(10_500));

        Assert.Equal("""{"theme":"dark"}""", (string?)await Raw.StringGetAsync(Prefix + "my-plugin:config"));
        Assert.Equal("""{"user":"john"}""", (string?)await Raw.StringGetAsync(Prefix + "my-plugin:session"));
        Assert.Equal("\"root value\"", (string?)await Raw.StringGetAsync(Prefix + "plain"));
        Assert.Equal(RedisType.String, await Raw.KeyTypeAsync(Prefix + "my-plugin:config"));
        Assert.Null(await Raw.KeyTimeToLiveAsync(Prefix + "my-plugin:config"));

        var session = (long)await Raw.ExecuteAsync("PTTL", (RedisKey)(Prefix + "my-plugin:session"));
        Assert.InRange(session, 50_000, 60_000);

        // Millisecond expiry (PX), not whole seconds: 10.5 s stays 10.5 s (EX would make it 10 or 11 s).
        var shortTtl = (long)await Raw.ExecuteAsync("PTTL", (RedisKey)(Prefix + "my-plugin:short"));
        Assert.InRange(shortTtl, 10_001, 10_500);
        var plainShort = (long)await Raw.ExecuteAsync("PTTL", (RedisKey)(Prefix + "plain-short"));
        Assert.InRange(plainShort, 10_001, 10_500);
    }

    [Fact]
    public async Task Keys_written_without_the_index_are_read_listed_at_root_and_listable_in_scope_after_reindex()
    {
        var backend = CreateBackend(configure: o => o.ReindexOnInitialize = false);
        var storage = CreateStorage(backend);

        // What the Node.js package does: plain SET / SETEX, no index.
        await Raw.StringSetAsync(Prefix + "legacy:config", """{"theme":"dark"}""");
        await Raw.StringSetAsync(Prefix + "legacy:session", """{"user":"john"}""", TimeSpan.FromSeconds(60));
        await Raw.StringSetAsync(Prefix + "legacy-root", "1");
        var legacy = storage.GetScopedStorage("legacy");

        Assert.Equal("dark", (await legacy.GetAsync<Dictionary<string, string>>("config"))!["theme"]);
        Assert.True(await legacy.ExistsAsync("session"));
        Assert.Equal(["legacy-root", "legacy:config", "legacy:session"], await storage.KeysAsync());
        Assert.Empty(await legacy.KeysAsync());

        var result = await backend.ReindexAsync();
        Assert.True(result.KeysScanned >= 3);
        Assert.Equal(2, result.KeysIndexed);

        Assert.Equal(["config", "session"], await legacy.KeysAsync());
        Assert.Equal(2, await legacy.ClearAsync());
        Assert.False(await Raw.KeyExistsAsync(Prefix + "legacy:config"));
        Assert.Equal(0, (await backend.ReindexAsync()).KeysIndexed);
    }

    [Fact]
    public async Task Reindex_on_initialize_makes_existing_keys_listable()
    {
        await Raw.StringSetAsync(Prefix + "old:a", "1");
        var storage = CreateStorage(CreateBackend(configure: o => o.ReindexOnInitialize = true));
        Assert.Equal(["a"], await storage.GetScopedStorage("old").KeysAsync());
    }

    [Fact]
    public async Task Index_keys_live_outside_the_key_prefix_and_are_never_listed()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        await storage.GetScopedStorage("p1").SetAsync("a", 1);
        await storage.GetScopedStorage("p2").SetAsync("b", 1);
        await storage.SetAsync("root", 1);

        var data = await RawScanAsync(RedisStorageBackendEscape(Prefix) + "*");
        Assert.Equal([Prefix + "p1:a", Prefix + "p2:b", Prefix + "root"], data.Order(StringComparer.Ordinal));

        var indexes = await RawScanAsync(RedisStorageBackendEscape(backend.Options.IndexKeyPrefix) + "*");
        Assert.NotEmpty(indexes);
        Assert.All(indexes, key => Assert.False(key.StartsWith(Prefix, StringComparison.Ordinal)));
        foreach (var index in indexes)
        {
            // Sorted sets of index entries; with the per-slot layout also each scope's set of used slots.
            Assert.Contains(await Raw.KeyTypeAsync(index), new[] { RedisType.SortedSet, Cluster ? RedisType.Set : RedisType.SortedSet });
        }

        Assert.Equal(["p1:a", "p2:b", "root"], await storage.KeysAsync());
        Assert.Equal(3, await storage.ClearAsync());
        Assert.Empty(await RawScanAsync(RedisStorageBackendEscape(Prefix) + "*"));
    }

    [Fact]
    public async Task Other_applications_keys_in_the_same_database_are_never_listed_or_cleared()
    {
        var storage = CreateStorage(CreateBackend());
        var neighbour = CreateStorage(CreateBackend(RedisTestServers.UniquePrefix()));
        string[] foreign =
        [
            "other-app:" + Guid.NewGuid().ToString("N"),
            Prefix[..^1],                          // our prefix without its trailing ':'
            Prefix[..^1] + "x:y",                  // shares every character but the last
            Prefix[..^1] + ";p:k",
            RedisStorageOptions.IndexKeyMarker + "other:" + Guid.NewGuid().ToString("N"),
        ];
        foreach (var key in foreign)
        {
            await Raw.StringSetAsync(key, "foreign");
        }

        await Raw.HashSetAsync(Prefix + "p:hash", "field", "not a string"); // not ours to read, list or delete
        await neighbour.GetScopedStorage("p").SetAsync("k", "neighbour");
        await storage.GetScopedStorage("p").SetAsync("k", "mine");
        await storage.SetAsync("top", "mine");

        Assert.Equal(["p:k", "top"], await storage.KeysAsync());
        Assert.Equal(["k"], await storage.GetScopedStorage("p").KeysAsync());
        Assert.Equal(2, await storage.ClearAsync());
        Assert.Empty(await storage.KeysAsync());

        foreach (var key in foreign)
        {
            Assert.Equal("foreign", (string?)await Raw.StringGetAsync(key));
            await Raw.KeyDeleteAsync(key);
        }

        Assert.True(await Raw.KeyExistsAsync(Prefix + "p:hash"));
        await Raw.KeyDeleteAsync(Prefix + "p:hash");
        Assert.Equal("neighbour", await neighbour.GetScopedStorage("p").GetAsync<string>("k"));
    }

    [Fact]
    public async Task Expired_keys_are_pruned_from_the_index_when_listed()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        var scoped = storage.GetScopedStorage("ttl");
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => scoped.SetAsync($"k{i}", i, TimeSpan.FromMilliseconds(100)).AsTask()));
        await scoped.SetAsync("keep", 1);
        await Task.Delay(400);

        Assert.Equal(["keep"], await scoped.KeysAsync());
        Assert.Equal(1, await IndexEntriesAsync(backend));
    }

    [Fact]
    public async Task Reindex_drops_entries_whose_key_is_gone()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        var scoped = storage.GetScopedStorage("gone");
        await scoped.SetAsync("a", 1);
        await scoped.SetAsync("b", 1);
        await Raw.KeyDeleteAsync(Prefix + "gone:a"); // deleted behind the backend's back, e.g. by Node.js

        var result = await backend.ReindexAsync();
        Assert.Equal(1, result.StaleEntriesRemoved);
        Assert.Equal(1, await IndexEntriesAsync(backend));
        Assert.Equal(["b"], await scoped.KeysAsync());
    }

    protected async Task<long> IndexEntriesAsync(RedisStorageBackend backend)
    {
        long total = 0;
        foreach (var index in await IndexKeysAsync(backend))
        {
            total += await Raw.SortedSetLengthAsync(index);
        }

        return total;
    }

    /// <summary>The backend's index sorted sets (not the per-slot layout's slot directories).</summary>
    protected async Task<List<string>> IndexKeysAsync(RedisStorageBackend backend)
    {
        var indexes = new List<string>();
        foreach (var key in await RawScanAsync(RedisStorageBackendEscape(backend.Options.IndexKeyPrefix) + "*"))
        {
            if (await Raw.KeyTypeAsync(key) == RedisType.SortedSet)
            {
                indexes.Add(key);
            }
        }

        return indexes;
    }

    [Fact]
    public async Task Lost_index_structures_are_rebuilt_by_a_write_and_by_reindex()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        var scoped = storage.GetScopedStorage("lost");
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => scoped.SetAsync($"k{i:D2}", i).AsTask()));

        // Someone deletes every index structure (a FLUSHALL between writes would do the same to the index).
        foreach (var key in await RawScanAsync(RedisStorageBackendEscape(backend.Options.IndexKeyPrefix) + "*"))
        {
            await Raw.KeyDeleteAsync(key);
        }

        await scoped.SetAsync("k00", "again");
        Assert.Equal(["k00"], await scoped.KeysAsync());

        var fresh = CreateStorage(CreateBackend(configure: o => o.ReindexOnInitialize = false));
        var result = await ((RedisStorageBackend)fresh.Backend).ReindexAsync();
        Assert.Equal(19, result.KeysIndexed);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"k{i:D2}"), await scoped.KeysAsync());
        Assert.Equal(20, await fresh.GetScopedStorage("lost").ClearAsync());
    }

    public static TheoryData<string> ScopePrefixes => new() { "", "p:", "p.x:" };

    private static readonly string[] TrickyKeys =
    [
        "a", "ab", "a:b", "b:a", "x*", "x*y", "q?", "[c]", "[!c]", "\\", "a\\b", "ü", "üx", "😀", "😀😀", "x\ny", "\n", "a b",
        "long:key:name", "p:inner", "{tag}", "%", "*", "?", "[", "]", "^", "-", "日本語", "\uFFFD", "é:é",
    ];

    private static readonly string[] TrickyPatterns =
    [
        "*", "a*", "*b", "?", "??", "a:*", "*:*", "[ab]*", "[!a]*", "[^a]*", "x\\*", "x[*]*", "*\n*", "\\[*", "\\\\*", "ü*", "?x",
        "😀", "😀*", "[😀]*", "*a*b*", "[a-z]", "*\\?", "日*", "\\*", "{*", "long:*:name", "[]]", "[\\]]*", "é:?",
    ];

    [Theory]
    [MemberData(nameof(ScopePrefixes))]
    public async Task Listing_and_bulk_delete_give_the_memory_backends_results(string scopePrefix)
    {
        await using var memory = new MemoryStorageBackend(new MemoryStorageOptions { MaxKeys = 100_000 });
        await memory.InitializeAsync(default);
        var redis = CreateBackend();
        await redis.InitializeAsync(default);
        var keys = TrickyKeys.Select(k => scopePrefix + k).Concat(TrickyKeys.Select(k => "other:" + k)).Distinct().ToArray();

        foreach (var pattern in TrickyPatterns)
        {
            var query = new KeyQuery(scopePrefix, GlobPattern.Parse(pattern));
            foreach (var backend in new IStorageBackend[] { memory, redis })
            {
                foreach (var key in keys)
                {
                    await backend.SetAsync(new PhysicalKey(key), Encoding.UTF8.GetBytes("1"), null, default);
                }
            }

            var expected = await ListAsync(memory, query);
            Assert.Equal(expected, await ListAsync(redis, query));

            var removedByMemory = await memory.DeleteKeysAsync(query, default);
            var removedByRedis = await redis.DeleteKeysAsync(query, default);
            Assert.Equal(removedByMemory, removedByRedis);
            Assert.Equal(await ListAsync(memory, KeyQuery.All), await ListAsync(redis, KeyQuery.All));
        }
    }

    private static async Task<List<string>> ListAsync(IStorageBackend backend, KeyQuery query)
    {
        var keys = new List<string>();
        await foreach (var key in backend.ListKeysAsync(query, default))
        {
            if (query.Matches(key))
            {
                keys.Add(key);
            }
        }

        keys.Sort(StringComparer.Ordinal);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        return keys;
    }

    [Fact]
    public async Task A_scope_larger_than_one_page_is_listed_and_cleared_completely()
    {
        var storage = CreateStorage(CreateBackend(configure: o => o.BatchSize = 10));
        var scoped = storage.GetScopedStorage("paged");
        await Task.WhenAll(Enumerable.Range(0, 137).Select(i => scoped.SetAsync($"k{i:D3}", i).AsTask()));
        await Task.WhenAll(Enumerable.Range(0, 25).Select(i => storage.SetAsync($"root{i}", i).AsTask()));
        Assert.Equal(137, (await scoped.KeysAsync()).Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"k{i:D3}"), await scoped.KeysAsync("k00?"));
        Assert.Equal(162, (await storage.KeysAsync()).Count);
        Assert.Equal(137, await scoped.ClearAsync());
        Assert.Equal(25, await storage.ClearAsync());
    }

    [Fact]
    public async Task Health_reports_the_server_and_mode()
    {
        var storage = CreateStorage(CreateBackend());
        var health = await storage.CheckHealthAsync();
        Assert.True(health.IsHealthy, health.Description);
        Assert.Equal(Cluster ? "cluster" : "standalone", health.Data!["mode"]);
        Assert.Equal(Cluster ? 3 : 1, health.Data["primaries"]);
        Assert.Empty(await RawScanAsync(RedisStorageBackendEscape(Prefix) + "*"));
    }

    [Fact]
    public async Task An_application_owned_connection_is_used_and_never_disposed()
    {
        var options = new RedisStorageOptions { KeyPrefix = Prefix };
        await using (var storage = new StoragePlugin(new RedisStorageBackend(RawConnection, options)))
        {
            await storage.GetScopedStorage("shared").SetAsync("k", 1);
            Assert.Equal(["k"], await storage.GetScopedStorage("shared").KeysAsync());
            Assert.Equal(1, await storage.ClearAsync());
        }

        Assert.True(RawConnection.IsConnected);
        Assert.True(await Raw.StringSetAsync(Prefix + "still-usable", "1"));
        await Raw.KeyDeleteAsync(Prefix + "still-usable");
    }

    [Fact]
    public async Task Concurrent_callers_share_one_connection()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        await storage.SetAsync("warm-up", 1);
        var before = await ClientCountAsync();
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => storage.GetScopedStorage("c").SetAsync($"k{i}", i).AsTask()));
        Assert.Equal(500, (await storage.GetScopedStorage("c").KeysAsync()).Count);
        Assert.InRange(await ClientCountAsync(), 0, before + 2);
    }

    private async Task<int> ClientCountAsync()
    {
        var total = 0;
        foreach (var server in RawConnection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            total += (await server.ExecuteAsync("CLIENT", "LIST")).ToString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Count(line => line.Contains("name=objectos-storage", StringComparison.Ordinal));
        }

        return total;
    }

    // Redis glob escaping, as the backend does it for SCAN MATCH.
    protected static string RedisStorageBackendEscape(string text) => RedisStorageBackend.EscapeGlob(text);
}

public sealed class RedisStandaloneBackendTests : RedisBackendTests
{
    protected override bool Cluster => false;

    [Fact]
    public async Task Standalone_uses_one_index_per_scope()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        await storage.GetScopedStorage("p").SetAsync("k", 1);
        Assert.False(backend.IsCluster);
        Assert.False(backend.UsesPerSlotIndex);
        Assert.Equal(1, await Raw.SortedSetLengthAsync(backend.Options.IndexKeyPrefix + "p:"));
    }

    [Fact]
    public async Task Expiring_writes_prune_dead_index_entries_of_their_scope_so_unlisted_scopes_stay_bounded()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        var scoped = storage.GetScopedStorage("sessions");
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => scoped.SetAsync($"old{i}", i, TimeSpan.FromMilliseconds(50)).AsTask()));
        await Task.Delay(300);
        for (var i = 0; i < 200; i++)
        {
            await scoped.SetAsync($"new{i}", i, TimeSpan.FromMinutes(5));
        }

        // Each expiring write looks at two random entries and drops dead ones, so most of the 200 dead entries are
        // gone without the scope ever being listed (expected about 170 removed; the bound leaves a wide margin).
        var entries = await Raw.SortedSetLengthAsync(backend.Options.IndexKeyPrefix + "sessions:");
        Assert.InRange(entries, 200, 320);
    }

    [Fact]
    public async Task The_database_number_is_honoured()
    {
        var storage = CreateStorage(CreateBackend(configure: o => o.Database = 3));
        await storage.GetScopedStorage("p").SetAsync("k", 1);
        Assert.False(await Raw.KeyExistsAsync(Prefix + "p:k"));
        Assert.True(await RawConnection.GetDatabase(3).KeyExistsAsync(Prefix + "p:k"));
        Assert.Equal(["p:k"], await storage.KeysAsync());
        Assert.Equal(1, await storage.ClearAsync());
        Assert.False(await RawConnection.GetDatabase(3).KeyExistsAsync(Prefix + "p:k"));
    }
}

public sealed class RedisClusterBackendTests : RedisBackendTests
{
    protected override bool Cluster => true;

    [Fact]
    public async Task A_scope_spread_over_every_primary_is_listed_and_cleared()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        var scoped = storage.GetScopedStorage("spread");
        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => scoped.SetAsync($"k{i}", i).AsTask()));
        Assert.True(backend.IsCluster);
        Assert.True(backend.UsesPerSlotIndex);

        var primaries = RawConnection.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToArray();
        Assert.Equal(3, primaries.Length);
        foreach (var server in primaries)
        {
            var count = 0;
            await foreach (var _ in server.KeysAsync(pattern: RedisStorageBackendEscape(Prefix) + "*", pageSize: 1000))
            {
                count++;
            }

            Assert.True(count > 0, $"no keys on {server.EndPoint}");
        }

        Assert.Equal(300, (await scoped.KeysAsync()).Count);
        Assert.Equal(300, await scoped.ClearAsync());
        Assert.Empty(await RawScanAsync(RedisStorageBackendEscape(Prefix) + "*"));
        Assert.Equal(0, await IndexEntriesAsync(backend));
    }

    [Fact]
    public async Task Index_entries_share_the_slot_of_their_key()
    {
        var backend = CreateBackend();
        var storage = CreateStorage(backend);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => storage.GetScopedStorage("slots").SetAsync($"k{i}", i).AsTask()));
        var server = RawConnection.GetServers().First(s => s.IsConnected);
        foreach (var index in await IndexKeysAsync(backend))
        {
            var indexSlot = (long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", index);
            foreach (var member in await Raw.SortedSetRangeByRankAsync(index))
            {
                Assert.Equal(indexSlot, (long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", Prefix + member));
            }
        }
    }

    [Fact]
    public async Task A_hash_tag_in_the_key_prefix_keeps_the_store_in_one_slot()
    {
        var prefix = "{" + Guid.NewGuid().ToString("N")[..8] + "}:storage:";
        var backend = CreateBackend(prefix);
        var storage = CreateStorage(backend);
        await storage.GetScopedStorage("a").SetAsync("x", 1);
        await storage.GetScopedStorage("b").SetAsync("y", 1, TimeSpan.FromMinutes(1));
        await storage.SetAsync("root", 1);
        Assert.True(backend.IsCluster);
        Assert.False(backend.UsesPerSlotIndex);

        var server = RawConnection.GetServers().First(s => s.IsConnected);
        var slots = new HashSet<long>();
        foreach (var key in (await RawScanAsync(RedisStorageBackendEscape(prefix) + "*")).Concat(await RawScanAsync(RedisStorageBackendEscape(backend.Options.IndexKeyPrefix) + "*")))
        {
            slots.Add((long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", key));
        }

        Assert.Single(slots);
        Assert.Equal(["a:x", "b:y", "root"], await storage.KeysAsync());
        Assert.Equal(["x"], await storage.GetScopedStorage("a").KeysAsync());
        Assert.Equal(3, await storage.ClearAsync());
    }

    [Fact]
    public async Task Hash_slots_and_tags_match_the_server()
    {
        var server = RawConnection.GetServers().First(s => s.IsConnected);
        var random = new Random(42);
        var keys = new List<string> { "foo", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{}", "{", "}", "é😀", "a\nb" };
        for (var i = 0; i < 200; i++)
        {
            string[] parts = ["a", "b", "{", "}", ":", "😀", "é", "\n", "*"];
            keys.Add(Prefix + "p:" + string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => parts[random.Next(parts.Length)])));
        }

        foreach (var key in keys)
        {
            Assert.Equal((long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", key), RedisHashSlot.Of(key));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var slot = 0; slot < RedisHashSlot.SlotCount; slot++)
        {
            var tag = RedisHashSlot.TagFor(slot);
            Assert.True(seen.Add(tag));
            Assert.Equal(slot, RedisHashSlot.Of("~index:x{" + tag + "}scope:"));
        }

        for (var slot = 0; slot < RedisHashSlot.SlotCount; slot += 997)
        {
            Assert.Equal(slot, (long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", "{" + RedisHashSlot.TagFor(slot) + "}"));
        }
    }

    [Fact]
    public async Task A_database_other_than_zero_is_a_configuration_error_on_a_cluster()
    {
        var storage = CreateStorage(CreateBackend(configure: o => o.Database = 1));
        var ex = await Assert.ThrowsAsync<StorageConfigurationException>(async () => await storage.SetAsync("k", 1));
        Assert.Contains("database 0", ex.Message, StringComparison.Ordinal);
    }
}
