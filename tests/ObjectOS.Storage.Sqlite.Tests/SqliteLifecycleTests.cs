namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>Disposal checkpoints the WAL and closes every connection; the health check writes nothing.</summary>
public sealed class SqliteLifecycleTests : SqliteTestBase
{
    [Fact]
    public async Task Disposal_checkpoints_the_wal_closes_every_handle_and_keeps_the_data()
    {
        var path = Directory.NewDatabasePath();
        var storage = new StoragePlugin(new SqliteStorageBackend(NewOptions(path)));
        await Parallel.ForAsync(0, 300, async (i, ct) =>
        {
            await storage.SetAsync("k" + i, new string('v', 500), cancellationToken: ct);
            _ = await storage.GetBytesAsync("k" + i, ct);
            _ = await storage.KeysAsync("k1*", ct);
        });
        Assert.True(File.Exists(path + "-wal"));

        await storage.DisposeAsync();

        Assert.False(File.Exists(path + "-wal"), "the WAL was checkpointed and removed");
        Assert.False(File.Exists(path + "-shm"));
        Assert.Empty(OpenHandlesTo(path));
        Assert.Equal(300, Count(path)); // everything is in the main file

        File.Delete(path);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Writes_queued_before_disposal_are_committed_and_later_calls_are_refused()
    {
        var path = Directory.NewDatabasePath();
        var backend = new SqliteStorageBackend(NewOptions(path));
        var storage = new StoragePlugin(backend);
        await storage.InitializeAsync();
        var writes = Enumerable.Range(0, 100).Select(i => storage.SetAsync("k" + i, i).AsTask()).ToArray();
        await backend.DisposeAsync();
        await Task.WhenAll(writes);
        Assert.Equal(100, Count(path));

        await Assert.ThrowsAsync<ObjectDisposedException>(() => backend.GetAsync(new PhysicalKey("k1"), CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => backend.SetAsync(new PhysicalKey("k1"), "1"u8.ToArray(), null, CancellationToken.None).AsTask());
        await backend.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task The_file_can_be_reopened_after_disposal()
    {
        var path = Directory.NewDatabasePath();
        await using (var first = new StoragePlugin(new SqliteStorageBackend(NewOptions(path))))
        {
            await first.GetScopedStorage("p").SetAsync("k", "v", TimeSpan.FromMinutes(5));
        }

        await using var second = new StoragePlugin(new SqliteStorageBackend(NewOptions(path)));
        Assert.Equal("v", await second.GetScopedStorage("p").GetAsync<string>("k"));
        Assert.Equal(TimeSpan.FromMinutes(5), await second.GetScopedStorage("p").GetTimeToLiveAsync("k"));
    }

    [Fact]
    public async Task The_health_check_reports_the_file_and_writes_no_key()
    {
        var (storage, backend) = await CreateStorageAsync();
        await storage.SetAsync("__health_check__", "mine");
        await storage.SetAsync("other", 1);

        var health = await storage.CheckHealthAsync();

        Assert.True(health.IsHealthy, health.Description);
        Assert.Contains(backend.FilePath!, health.Description, StringComparison.Ordinal);
        Assert.Equal(2L, health.Data!["rows"]);
        Assert.Equal("wal", health.Data["journalMode"]);
        Assert.Equal("mine", await storage.GetAsync<string>("__health_check__"));
        Assert.Equal(["__health_check__", "other"], await storage.KeysAsync());
    }

    [Fact]
    public async Task The_health_check_reports_an_unusable_backend_instead_of_throwing()
    {
        var backend = CreateBackend();
        Assert.False((await backend.CheckHealthAsync(CancellationToken.None)).IsHealthy);
        await backend.InitializeAsync(CancellationToken.None);
        Assert.True((await backend.CheckHealthAsync(CancellationToken.None)).IsHealthy);
        await backend.DisposeAsync();
        Assert.False((await backend.CheckHealthAsync(CancellationToken.None)).IsHealthy);
    }

    // The file descriptors of this process that point at the database or its WAL/shm files.
    private static List<string> OpenHandlesTo(string path)
    {
        var handles = new List<string>();
        if (!System.IO.Directory.Exists("/proc/self/fd"))
        {
            return handles;
        }

        foreach (var fd in System.IO.Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith(path, StringComparison.Ordinal))
                {
                    handles.Add(target);
                }
            }
            catch (IOException)
            {
            }
        }

        return handles;
    }
}
