using Microsoft.Data.Sqlite;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>
/// Group commit: concurrent writes share transactions, each completes only after its transaction committed, and
/// one failing write neither fails nor loses the others in its group.
/// </summary>
public sealed class SqliteWritePathTests : SqliteTestBase
{
    // Holds the database's write lock from another connection, so that queued writes pile up behind it.
    private static SqliteConnection HoldWriteLock(string path)
    {
        var blocker = OpenRaw(path);
        Execute(blocker, "BEGIN IMMEDIATE");
        return blocker;
    }

    [Fact]
    public async Task Concurrent_writes_are_committed_together_in_few_transactions()
    {
        var (storage, backend) = await CreateStorageAsync();
        var path = backend.FilePath!;
        Task[] writes;
        using (var blocker = HoldWriteLock(path))
        {
            writes = Enumerable.Range(0, 200).Select(i => storage.SetAsync("k" + i, i).AsTask()).ToArray();
            await Task.Delay(100);
            Assert.All(writes, write => Assert.False(write.IsCompleted, "a write completed while the file was locked"));
            Execute(blocker, "COMMIT");
        }

        await Task.WhenAll(writes);
        var (transactions, committed) = backend.WriterStatistics;
        Assert.Equal(200, committed);
        Assert.InRange(transactions, 1, 2); // the batch blocked on the lock, then everything queued behind it
        Assert.Equal(200, Count(path));
    }

    [Fact]
    public async Task A_write_completes_only_after_its_commit()
    {
        // With a rollback journal, COMMIT must wait for readers to leave: a reader holding its snapshot open stalls
        // the commit after the write itself has been executed. The caller must not be told "done" before that.
        var options = NewOptions();
        options.Wal = false;
        options.BusyTimeout = TimeSpan.FromSeconds(30);
        var (storage, backend) = await CreateStorageAsync(options);
        await storage.SetAsync("existing", 0);
        Task write;
        using (var reader = OpenRaw(backend.FilePath!))
        {
            Execute(reader, "BEGIN");
            Assert.Equal(1L, Scalar(reader, "SELECT count(*) FROM storage"));
            write = storage.SetAsync("k", 1).AsTask();
            await Task.Delay(300);
            Assert.False(write.IsCompleted, "the write was acknowledged before its transaction committed");
            Execute(reader, "COMMIT");
        }

        await write;
        Assert.Equal(2, Count(backend.FilePath!));
    }

    [Fact]
    public async Task A_completed_write_is_committed_and_visible_to_another_connection()
    {
        var (storage, backend) = await CreateStorageAsync();
        for (var i = 0; i < 20; i++)
        {
            await storage.SetAsync("k" + i, i);
            using var other = OpenRaw(backend.FilePath!);
            Assert.Equal(i.ToString(), Scalar(other, "SELECT value FROM storage WHERE key = $k", ("$k", "k" + i)));
        }
    }

    [Fact]
    public async Task A_failing_write_fails_alone_and_the_rest_of_its_group_commits()
    {
        var (storage, backend) = await CreateStorageAsync();
        var path = backend.FilePath!;
        using (var setup = OpenRaw(path))
        {
            Execute(setup, "CREATE TRIGGER refuse_bad BEFORE INSERT ON storage WHEN NEW.key = 'bad' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END");
        }

        Task[] good;
        Task bad;
        using (var blocker = HoldWriteLock(path))
        {
            good = Enumerable.Range(0, 50).Select(i => storage.SetAsync("good" + i, i).AsTask()).ToArray();
            bad = storage.SetAsync("bad", 0).AsTask();
            var more = Enumerable.Range(50, 50).Select(i => storage.SetAsync("good" + i, i).AsTask());
            good = [.. good, .. more];
            await Task.Delay(50);
            Execute(blocker, "COMMIT");
        }

        var error = await Assert.ThrowsAnyAsync<StorageException>(() => bad);
        Assert.Contains("refused by test trigger", error.Message, StringComparison.Ordinal);
        await Task.WhenAll(good);
        Assert.Equal(100, Count(path));
        Assert.Equal(0, Count(path, "key = 'bad'"));
        Assert.InRange(backend.WriterStatistics.Transactions, 1, 2);
    }

    [Fact]
    public async Task A_write_that_rolls_back_the_whole_transaction_fails_alone_and_the_others_are_retried()
    {
        var (storage, backend) = await CreateStorageAsync();
        var path = backend.FilePath!;
        using (var setup = OpenRaw(path))
        {
            Execute(setup, "CREATE TRIGGER rollback_bad BEFORE INSERT ON storage WHEN NEW.key = 'bad' BEGIN SELECT RAISE(ROLLBACK, 'whole transaction rolled back'); END");
        }

        Task[] writes;
        Task bad;
        using (var blocker = HoldWriteLock(path))
        {
            var before = Enumerable.Range(0, 30).Select(i => storage.SetAsync("before" + i, i).AsTask()).ToArray();
            bad = storage.SetAsync("bad", 0).AsTask();
            var after = Enumerable.Range(0, 30).Select(i => storage.SetAsync("after" + i, i).AsTask()).ToArray();
            writes = [.. before, .. after];
            await Task.Delay(50);
            Execute(blocker, "COMMIT");
        }

        await Assert.ThrowsAnyAsync<StorageException>(() => bad);
        await Task.WhenAll(writes);
        Assert.Equal(60, Count(path));
        Assert.Equal(0, Count(path, "key = 'bad'"));
    }

    [Fact]
    public async Task Reads_run_while_another_connection_holds_the_write_lock()
    {
        var (storage, backend) = await CreateStorageAsync();
        await storage.SetAsync("k", "old");
        using var writer = HoldWriteLock(backend.FilePath!);
        Execute(writer, "UPDATE storage SET value = '\"new\"' WHERE key = 'k'");

        // WAL: readers see the last committed state without waiting for the writer.
        Assert.Equal("old", await storage.GetAsync<string>("k"));
        Assert.Equal(["k"], await storage.KeysAsync());
        Execute(writer, "COMMIT");
        Assert.Equal("new", await storage.GetAsync<string>("k"));
    }

    [Fact]
    public async Task A_lock_held_within_the_busy_timeout_delays_writes_without_an_error()
    {
        var options = NewOptions();
        options.BusyTimeout = TimeSpan.FromSeconds(10);
        var (storage, backend) = await CreateStorageAsync(options);
        var blocker = HoldWriteLock(backend.FilePath!);
        var write = storage.SetAsync("k", 1).AsTask();
        var delete = storage.DeleteAsync("nothing").AsTask();
        var clear = storage.GetScopedStorage("p").ClearAsync();
        await Task.Delay(300);
        Assert.False(write.IsCompleted);
        Execute(blocker, "COMMIT");
        blocker.Dispose();

        await write;
        Assert.False(await delete);
        Assert.Equal(0, await clear);
        Assert.Equal(1, await storage.GetAsync<int>("k"));
    }

    [Fact]
    public async Task A_lock_held_beyond_the_busy_timeout_is_a_typed_unavailable_error_and_the_backend_recovers()
    {
        var options = NewOptions();
        options.BusyTimeout = TimeSpan.FromMilliseconds(100);
        var (storage, backend) = await CreateStorageAsync(options);
        using (var blocker = HoldWriteLock(backend.FilePath!))
        {
            var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => storage.SetAsync("k", 1).AsTask());
            Assert.Contains(backend.FilePath!, error.Message, StringComparison.Ordinal);
            Assert.Contains("busy timeout", error.Message, StringComparison.Ordinal);
            Execute(blocker, "ROLLBACK");
        }

        await storage.SetAsync("k", 2);
        Assert.Equal(2, await storage.GetAsync<int>("k"));
    }

    [Fact]
    public async Task Many_concurrent_readers_and_writers_see_consistent_values()
    {
        var options = NewOptions();
        options.ReaderPoolSize = 2; // more readers than pooled connections: extra ones are opened and closed
        var (storage, _) = await CreateStorageAsync(options);
        await Parallel.ForAsync(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var scope = storage.GetScopedStorage("p" + (i % 4));
            await scope.SetAsync("k" + i, i, cancellationToken: ct);
            Assert.Equal(i, await scope.GetAsync<int>("k" + i, ct));
            Assert.Contains("k" + i, await scope.KeysAsync("k" + i, ct));
        });

        for (var p = 0; p < 4; p++)
        {
            Assert.Equal(100, (await storage.GetScopedStorage("p" + p).KeysAsync()).Count);
        }
    }

    [Fact]
    public async Task A_canceled_write_is_not_applied_and_the_others_are()
    {
        var (storage, backend) = await CreateStorageAsync();
        using var cancel = new CancellationTokenSource();
        Task canceled;
        Task kept;
        using (var blocker = HoldWriteLock(backend.FilePath!))
        {
            var first = storage.SetAsync("first", 1).AsTask();
            await Task.Delay(50); // the writer has taken "first" and waits for the lock
            canceled = storage.SetAsync("canceled", 1, cancellationToken: cancel.Token).AsTask();
            kept = storage.SetAsync("kept", 1).AsTask();
            cancel.Cancel();
            Execute(blocker, "COMMIT");
            await first;
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled);
        await kept;
        Assert.False(await storage.ExistsAsync("canceled"));
    }
}
