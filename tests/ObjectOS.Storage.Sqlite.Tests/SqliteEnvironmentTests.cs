using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>
/// A bad environment fails at start-up with a <see cref="StorageConfigurationException"/> that names the file and
/// the problem, and leaves everything on disk as it was.
/// </summary>
public sealed class SqliteEnvironmentTests : SqliteTestBase
{
    // A snapshot of a directory: every file's name and content hash.
    private static Dictionary<string, string> Snapshot(string directory)
        => System.IO.Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private async Task<StorageConfigurationException> AssertRejectedAsync(string path, params string[] problem)
    {
        var backend = CreateBackend(NewOptions(path));
        var error = await Assert.ThrowsAsync<StorageConfigurationException>(() => backend.InitializeAsync(CancellationToken.None).AsTask());
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        foreach (var part in problem)
        {
            Assert.Contains(part, error.Message, StringComparison.OrdinalIgnoreCase);
        }

        return error;
    }

    [Fact]
    public async Task A_file_that_is_not_a_sqlite_database_is_rejected_and_left_unchanged()
    {
        var path = Directory.NewDatabasePath();
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Repeat("This is a text file, not a database. ", 200)));
        var before = Snapshot(Directory.Path);

        await AssertRejectedAsync(path, "not a SQLite database");

        Assert.Equal(before, Snapshot(Directory.Path));
    }

    [Fact]
    public async Task A_storage_table_of_another_shape_is_rejected_and_the_file_left_unchanged()
    {
        var path = Directory.NewDatabasePath();
        using (var other = OpenRaw(path, Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate))
        {
            Execute(other, "CREATE TABLE storage (id INTEGER PRIMARY KEY, data BLOB)");
            Execute(other, "INSERT INTO storage (data) VALUES (x'0102')");
        }

        var before = Snapshot(Directory.Path);
        var error = await AssertRejectedAsync(path, "storage", "id INTEGER PRIMARY KEY, data BLOB", "key TEXT PRIMARY KEY");
        Assert.Contains("not changed", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(Directory.Path));
    }

    [Fact]
    public async Task A_rejected_file_with_an_unchecked_write_ahead_log_is_not_checkpointed()
    {
        // What a crashed writer of another shape leaves behind: a WAL whose frames are not in the main file yet.
        var path = Directory.NewDatabasePath();
        using (var other = OpenRaw(path, Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate))
        {
            Execute(other, "PRAGMA journal_mode = WAL");
            Execute(other, "PRAGMA wal_autocheckpoint = 0");
            Execute(other, "CREATE TABLE storage (id INTEGER PRIMARY KEY, data BLOB)");
            Execute(other, "INSERT INTO storage (data) VALUES (x'0102')");
            SQLitePCL.raw.sqlite3_db_config(other.Handle, 1006 /* SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE */, 1, out _);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Assert.True(File.Exists(path + "-wal"));
        var before = Snapshot(Directory.Path);

        await AssertRejectedAsync(path, "storage", "key TEXT PRIMARY KEY");

        var after = Snapshot(Directory.Path);
        Assert.Equal(before[path], after[path]);
        Assert.Equal(before[path + "-wal"], after[path + "-wal"]);
    }

    [Theory]
    [InlineData("CREATE TABLE storage (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER)", "value BLOB")]
    [InlineData("CREATE TABLE storage (key TEXT PRIMARY KEY, value TEXT NOT NULL)", "expires_at INTEGER")]
    [InlineData("CREATE TABLE storage (key TEXT PRIMARY KEY COLLATE NOCASE, value TEXT NOT NULL, expires_at INTEGER)", "NOCASE")]
    [InlineData("CREATE TABLE storage (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) WITHOUT ROWID", "WITHOUT ROWID")]
    [InlineData("CREATE VIEW storage AS SELECT 1 AS key, 2 AS value, 3 AS expires_at", "view")]
    public async Task Near_misses_of_the_layout_are_rejected(string ddl, string problem)
    {
        var path = Directory.NewDatabasePath();
        using (var other = OpenRaw(path, Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate))
        {
            Execute(other, ddl);
        }

        var before = Snapshot(Directory.Path);
        await AssertRejectedAsync(path, problem);
        Assert.Equal(before, Snapshot(Directory.Path));
    }

    [Fact]
    public async Task A_newer_schema_version_is_rejected_and_the_file_left_unchanged()
    {
        var path = Directory.NewDatabasePath();
        using (var other = OpenRaw(path, Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate))
        {
            Execute(other, "CREATE TABLE storage (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)");
            Execute(other, "PRAGMA user_version = 7");
        }

        var before = Snapshot(Directory.Path);
        await AssertRejectedAsync(path, "schema version", "7");
        Assert.Equal(before, Snapshot(Directory.Path));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task A_path_in_a_read_only_directory_is_rejected_and_nothing_is_created()
    {
        var readOnly = System.IO.Path.Combine(Directory.Path, "readonly");
        System.IO.Directory.CreateDirectory(readOnly);
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        var immutable = false;
        try
        {
            if (CanCreateFileIn(readOnly))
            {
                // Running as root, permissions do not stop us: make the directory immutable instead.
                immutable = Run("chattr", "+i", readOnly) && !CanCreateFileIn(readOnly);
                Assert.True(immutable, "could not make a read-only directory here (root without chattr support)");
            }

            var path = System.IO.Path.Combine(readOnly, "storage.db");
            await AssertRejectedAsync(path, "cannot be opened or created");
            Assert.Empty(System.IO.Directory.GetFileSystemEntries(readOnly));

            var nested = System.IO.Path.Combine(readOnly, "sub", "storage.db");
            await AssertRejectedAsync(nested, "cannot be created");
            Assert.Empty(System.IO.Directory.GetFileSystemEntries(readOnly));
        }
        finally
        {
            if (immutable)
            {
                Run("chattr", "-i", readOnly);
            }

            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task A_path_that_is_a_directory_is_rejected()
    {
        await AssertRejectedAsync(Directory.Path, "cannot be opened or created");
    }

    [Fact]
    public async Task Initialization_can_be_retried_after_the_problem_is_fixed()
    {
        var path = Directory.NewDatabasePath();
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Repeat("garbage ", 100)));
        var storage = Track(new StoragePlugin(new SqliteStorageBackend(NewOptions(path))));
        await Assert.ThrowsAsync<StorageConfigurationException>(() => storage.SetAsync("k", 1).AsTask());

        File.Delete(path);
        await storage.SetAsync("k", 1);
        Assert.Equal(1, await storage.GetAsync<int>("k"));
    }

    [Fact]
    public void Options_reject_bad_values_with_clear_messages()
    {
        var options = new SqliteStorageOptions();
        Assert.Equal(SqliteStorageOptions.DefaultPath, options.Path);
        Assert.True(options.Wal);
        Assert.Equal(SqliteSynchronousMode.Full, options.Synchronous);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BusyTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), options.SweepInterval);
        Assert.Equal(TimeProvider.System, options.TimeProvider);

        Assert.Contains("MemoryStorageBackend", Assert.Throws<ArgumentException>(() => options.Path = ":memory:").Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => options.Path = " ");
        Assert.Throws<ArgumentNullException>(() => options.Path = null!);
        Assert.Contains("BusyTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => options.BusyTimeout = TimeSpan.FromSeconds(-1)).Message, StringComparison.Ordinal);
        Assert.Contains("SweepInterval", Assert.Throws<ArgumentOutOfRangeException>(() => options.SweepInterval = TimeSpan.Zero).Message, StringComparison.Ordinal);
        Assert.Contains("SweepBatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => options.SweepBatchSize = 0).Message, StringComparison.Ordinal);
        Assert.Contains("MaxBatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxBatchSize = 0).Message, StringComparison.Ordinal);
        Assert.Contains("ReaderPoolSize", Assert.Throws<ArgumentOutOfRangeException>(() => options.ReaderPoolSize = 0).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Synchronous = (SqliteSynchronousMode)9);
        Assert.Throws<ArgumentNullException>(() => options.TimeProvider = null!);
    }

    private static bool CanCreateFileIn(string directory)
    {
        var probe = System.IO.Path.Combine(directory, "probe");
        try
        {
            File.WriteAllText(probe, "x");
            File.Delete(probe);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool Run(string program, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
