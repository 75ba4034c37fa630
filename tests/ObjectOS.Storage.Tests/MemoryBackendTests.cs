using Microsoft.Extensions.Time.Testing;

namespace ObjectOS.Storage.Tests;

public sealed class MemoryBackendTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private (StoragePlugin Storage, MemoryStorageBackend Backend) Create(int maxKeys = 10_000, TimeSpan? interval = null)
    {
        var backend = new MemoryStorageBackend(new MemoryStorageOptions
        {
            MaxKeys = maxKeys,
            TtlCheckInterval = interval ?? TimeSpan.FromMinutes(1),
            TimeProvider = _time,
        });
        return (new StoragePlugin(backend), backend);
    }

    [Fact]
    public async Task Setting_a_new_key_when_full_throws_a_quota_error_and_stores_nothing()
    {
        var (storage, _) = Create(maxKeys: 3);
        await using var _1 = storage;
        await storage.SetAsync("a", 1);
        await storage.GetScopedStorage("p").SetAsync("b", 1);
        await storage.SetAsync("c", 1);

        var ex = await Assert.ThrowsAsync<StorageQuotaExceededException>(async () => await storage.SetAsync("d", 1));
        Assert.Equal(3, ex.MaxKeys);
        Assert.Contains("Storage limit reached", ex.Message, StringComparison.Ordinal);
        Assert.False(await storage.ExistsAsync("d"));

        await storage.SetAsync("a", 2); // overwriting is allowed when full
        Assert.Equal(2, await storage.GetAsync<int>("a"));

        Assert.True(await storage.DeleteAsync("c"));
        await storage.SetAsync("d", 1);
        Assert.Equal(3, (await storage.KeysAsync()).Count);
    }

    [Fact]
    public async Task Expired_keys_do_not_count_toward_the_limit()
    {
        var (storage, backend) = Create(maxKeys: 2);
        await using var _1 = storage;
        await storage.SetAsync("a", 1, TimeSpan.FromSeconds(5));
        await storage.SetAsync("b", 1, TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(6)); // the sweeper has not run yet (interval one minute)
        Assert.Equal(2, backend.Count);

        await storage.SetAsync("c", 1);
        await storage.SetAsync("d", 1);
        Assert.Equal(["c", "d"], await storage.KeysAsync());
    }

    [Fact]
    public async Task Concurrent_new_keys_never_exceed_the_limit()
    {
        var (storage, backend) = Create(maxKeys: 100);
        await using var _1 = storage;
        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            try
            {
                await storage.SetAsync($"k{i}", i);
                return true;
            }
            catch (StorageQuotaExceededException)
            {
                return false;
            }
        })));

        Assert.Equal(100, results.Count(ok => ok));
        Assert.Equal(100, (await storage.KeysAsync()).Count);
        Assert.Equal(100, backend.Count);
    }

    [Fact]
    public async Task Racing_for_the_last_slots_after_a_purge_never_leaks_capacity()
    {
        for (var round = 0; round < 300; round++)
        {
            var (storage, backend) = Create(maxKeys: 2);
            await using var _1 = storage;
            await storage.SetAsync("old1", 1, TimeSpan.FromSeconds(1));
            await storage.SetAsync("old2", 1, TimeSpan.FromSeconds(1));
            _time.Advance(TimeSpan.FromSeconds(2));
            await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            {
                try
                {
                    await storage.SetAsync($"new{i}", i);
                }
                catch (StorageQuotaExceededException)
                {
                }
            })));

            Assert.Equal(2, (await storage.KeysAsync()).Count);
            await storage.ClearAsync();
            Assert.Equal(0, backend.Count);
        }
    }

    [Fact]
    public async Task The_sweeper_purges_expired_entries_on_its_interval()
    {
        var (storage, backend) = Create(interval: TimeSpan.FromSeconds(30));
        await using var _1 = storage;
        await storage.SetAsync("short", 1, TimeSpan.FromSeconds(10));
        await storage.SetAsync("long", 1, TimeSpan.FromMinutes(10));
        await storage.SetAsync("forever", 1);
        Assert.Equal(3, backend.Count);

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(2, backend.Count);
        Assert.Equal(["forever", "long"], await storage.KeysAsync());
    }

    [Fact]
    public async Task The_sweeper_never_removes_a_key_set_again_after_it_expired()
    {
        var (storage, backend) = Create();
        await using var _1 = storage;
        for (var i = 0; i < 500; i++)
        {
            await storage.SetAsync("k", i, TimeSpan.FromMilliseconds(5));
            _time.Advance(TimeSpan.FromMilliseconds(10));
            using var start = new ManualResetEventSlim();
            var sweeper = Task.Run(() => { start.Wait(); return backend.SweepExpired(); });
            var writer = Task.Run(async () => { start.Wait(); await storage.SetAsync("k", i); });
            start.Set();
            await Task.WhenAll(sweeper, writer);
            Assert.Equal(i, await storage.GetAsync<int>("k"));
            Assert.Equal(1, backend.Count);
        }
    }

    [Fact]
    public async Task Dispose_stops_the_sweeper()
    {
        var (storage, backend) = Create(interval: TimeSpan.FromSeconds(1));
        await storage.SetAsync("k", 1, TimeSpan.FromMilliseconds(500));
        await storage.DisposeAsync();
        _time.Advance(TimeSpan.FromMinutes(5)); // must not call into a disposed backend
        Assert.Equal(0, backend.Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await storage.SetAsync("k", 1));
    }

    [Fact]
    public async Task Listing_one_scope_does_not_see_other_scopes_with_similar_prefixes()
    {
        var (storage, _) = Create(maxKeys: 100_000);
        await using var _1 = storage;
        for (var i = 0; i < 2000; i++)
        {
            await storage.GetScopedStorage($"other{i % 20}").SetAsync($"k{i}", i);
        }

        await storage.GetScopedStorage("mine").SetAsync("k", 1);
        await storage.SetAsync("mine", 1);
        await storage.SetAsync("minefield", 1);
        Assert.Equal(["k"], await storage.GetScopedStorage("mine").KeysAsync());
        Assert.Equal(["mine", "mine:k", "minefield"], await storage.KeysAsync("mine*"));
        Assert.Equal(1, await storage.GetScopedStorage("mine").ClearAsync());
        Assert.Equal(2002, (await storage.KeysAsync()).Count);
    }

    [Fact]
    public async Task A_scoped_clear_is_atomic_for_concurrent_readers()
    {
        var (storage, backend) = Create(maxKeys: 100_000);
        await using var _1 = storage;
        var scoped = storage.GetScopedStorage("big");
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 20_000; i++)
            {
                await scoped.SetAsync($"k{i}", i);
            }

            await storage.GetScopedStorage("other").SetAsync("k", 1);
            var observed = new List<int>();
            var clear = Task.Run(() => scoped.ClearAsync());
            while (!clear.IsCompleted)
            {
                observed.Add((await scoped.KeysAsync()).Count);
            }

            Assert.Equal(20_000, await clear);
            Assert.All(observed, count => Assert.True(count is 0 or 20_000, $"saw a partial clear: {count} keys"));
            Assert.Empty(await scoped.KeysAsync());
            Assert.Equal(1, backend.Count);
            Assert.True(await storage.GetScopedStorage("other").DeleteAsync("k"));
        }
    }

    [Fact]
    public async Task Root_and_scoped_spellings_of_a_key_count_as_one_entry()
    {
        var (storage, backend) = Create();
        await using var _1 = storage;
        await storage.SetAsync("p:a:b", 1);
        await storage.GetScopedStorage("p").SetAsync("a:b", 2);
        Assert.Equal(1, backend.Count);
        Assert.True(await storage.DeleteAsync("p:a:b"));
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public void Options_are_validated_in_setters()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryStorageOptions { MaxKeys = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryStorageOptions { TtlCheckInterval = TimeSpan.Zero });
        Assert.Throws<ArgumentNullException>(() => new MemoryStorageOptions { TimeProvider = null! });
        Assert.Equal(10_000, new MemoryStorageOptions().MaxKeys);
        Assert.Equal(TimeSpan.FromMinutes(1), new MemoryStorageOptions().TtlCheckInterval);
    }
}
