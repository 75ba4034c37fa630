using Microsoft.Extensions.Time.Testing;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>Expiry follows the configured clock; expired rows are invisible and the sweeper purges them in bounded batches.</summary>
public sealed class SqliteExpiryTests : SqliteTestBase
{
    [Fact]
    public async Task Expired_rows_are_never_returned_listed_or_counted_even_before_the_sweeper_runs()
    {
        var (storage, backend) = await CreateStorageAsync();
        var scope = storage.GetScopedStorage("p");
        await scope.SetAsync("live", 1);
        await scope.SetAsync("short", 2, TimeSpan.FromSeconds(5));
        Time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await scope.GetBytesAsync("short"));
        Assert.False(await scope.ExistsAsync("short"));
        Assert.Null(await scope.GetTimeToLiveAsync("short"));
        Assert.Equal(["live"], await scope.KeysAsync());
        Assert.False(await scope.DeleteAsync("short"));
        Assert.Equal(1, Count(backend.FilePath!)); // the expired row was deleted, but it did not count as a removal
        await scope.SetAsync("short", 2, TimeSpan.FromSeconds(5));
        Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, await scope.ClearAsync());
        Assert.Equal(0, Count(backend.FilePath!));
    }

    [Fact]
    public async Task Expiry_is_decided_by_the_configured_clock_not_by_sqlite()
    {
        // A clock far in the past: by the real clock (and SQLite's) the row expired long ago; by ours it is live.
        var past = new FakeTimeProvider(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = NewOptions();
        options.TimeProvider = past;
        var (storage, _) = await CreateStorageAsync(options);
        await storage.SetAsync("k", 1, TimeSpan.FromHours(1));
        Assert.Equal(1, await storage.GetAsync<int>("k"));
        Assert.Equal(TimeSpan.FromHours(1), await storage.GetTimeToLiveAsync("k"));
        Assert.Equal(0, await ((SqliteStorageBackend)storage.Backend).SweepExpiredAsync());
        past.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(["k"], await storage.KeysAsync());
        past.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await storage.KeysAsync());
    }

    [Fact]
    public async Task Sub_millisecond_ttls_round_up_and_the_remaining_time_counts_down()
    {
        var (storage, _) = await CreateStorageAsync();
        await storage.SetAsync("k", 1, TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromMilliseconds(1), await storage.GetTimeToLiveAsync("k"));
        Time.Advance(TimeSpan.FromTicks(5_000));
        Assert.Equal(TimeSpan.FromTicks(5_000), await storage.GetTimeToLiveAsync("k"));
        Time.Advance(TimeSpan.FromTicks(5_000));
        Assert.False(await storage.ExistsAsync("k"));
    }

    [Fact]
    public async Task The_sweeper_purges_expired_rows_on_its_interval()
    {
        var options = NewOptions();
        options.SweepInterval = TimeSpan.FromMinutes(1);
        var (storage, backend) = await CreateStorageAsync(options);
        for (var i = 0; i < 10; i++)
        {
            await storage.SetAsync("t" + i, i, TimeSpan.FromSeconds(30));
        }

        await storage.SetAsync("forever", 1);
        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(11, Count(backend.FilePath!)); // expired, invisible, not yet purged
        Time.Advance(TimeSpan.FromSeconds(30)); // the sweeper's timer fires
        Assert.True(await EventuallyAsync(() => Count(backend.FilePath!) == 1), "the sweeper did not purge the expired rows");
        Assert.Equal(["forever"], await storage.KeysAsync());
    }

    [Fact]
    public async Task The_sweeper_deletes_in_bounded_batches()
    {
        var options = NewOptions();
        options.SweepBatchSize = 10;
        var (storage, backend) = await CreateStorageAsync(options);
        await Task.WhenAll(Enumerable.Range(0, 35).Select(i => storage.SetAsync("t" + i, i, TimeSpan.FromSeconds(1)).AsTask()));
        await storage.SetAsync("forever", 1);
        Time.Advance(TimeSpan.FromSeconds(2));

        var transactionsBefore = backend.WriterStatistics.Transactions;
        Assert.Equal(35, await backend.SweepExpiredAsync());
        Assert.True(backend.WriterStatistics.Transactions - transactionsBefore >= 4, "35 rows in batches of 10 take at least 4 transactions");
        Assert.Equal(1, Count(backend.FilePath!));
    }

    [Fact]
    public async Task The_sweeper_never_deletes_a_key_set_again_after_it_expired()
    {
        var (storage, backend) = await CreateStorageAsync();
        await storage.SetAsync("k", "old", TimeSpan.FromSeconds(1));
        Time.Advance(TimeSpan.FromSeconds(2));
        await storage.SetAsync("k", "new", TimeSpan.FromHours(1));
        await storage.SetAsync("n", "new");
        Assert.Equal(0, await backend.SweepExpiredAsync());
        Assert.Equal("new", await storage.GetAsync<string>("k"));

        // The race itself: sweeps and fresh writes of expired keys queued together, in both orders.
        for (var round = 0; round < 20; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => storage.SetAsync("r" + i, round, TimeSpan.FromSeconds(1)).AsTask()));
            Time.Advance(TimeSpan.FromSeconds(2));
            var work = new List<Task>();
            for (var i = 0; i < 20; i++)
            {
                if (i % 2 == 0)
                {
                    work.Add(backend.SweepExpiredAsync().AsTask());
                }

                work.Add(storage.SetAsync("r" + i, round, TimeSpan.FromMinutes(10)).AsTask());
                if (i % 2 == 1)
                {
                    work.Add(backend.SweepExpiredAsync().AsTask());
                }
            }

            Time.Advance(TimeSpan.FromMinutes(1)); // the periodic sweeper fires too
            await Task.WhenAll(work);
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(round, await storage.GetAsync<int>("r" + i));
            }
        }
    }

    [Fact]
    public async Task Rows_expired_by_another_writer_are_hidden_and_purged()
    {
        var (storage, backend) = await CreateStorageAsync();
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        using (var other = OpenRaw(backend.FilePath!))
        {
            Execute(other, "INSERT INTO storage VALUES ('p:old', '1', $e), ('p:edge', '2', $now), ('p:new', '3', $later)",
                ("$e", now - 10_000), ("$now", now), ("$later", now + 1));
        }

        var scope = storage.GetScopedStorage("p");
        Assert.Equal(["new"], await scope.KeysAsync());
        Assert.Equal(2, await backend.SweepExpiredAsync());
        Assert.Equal(1, Count(backend.FilePath!));
    }
}
