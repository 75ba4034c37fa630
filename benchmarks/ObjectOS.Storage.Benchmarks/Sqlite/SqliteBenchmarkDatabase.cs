using Microsoft.Data.Sqlite;
using ObjectOS.Storage.Benchmarks.Infrastructure;
using ObjectOS.Storage.Sqlite;

namespace ObjectOS.Storage.Benchmarks.Sqlite;

/// <summary>
/// Database files for the SQLite benchmarks, in a fresh temporary folder on the machine's disk (not tmpfs: fsync
/// must cost what it costs), and the hand-written best-practice baseline: one open connection per caller, WAL, the
/// chosen synchronous mode, commands prepared once and reused. The schema is the shared one of the original package.
/// </summary>
internal sealed class SqliteBenchmarkDatabase : IDisposable
{
    public const string CreateTable = "CREATE TABLE IF NOT EXISTS storage (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)";
    public const string CreateExpiresIndex = "CREATE INDEX IF NOT EXISTS idx_expires_at ON storage(expires_at)";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "objectos-storage-bench", Guid.NewGuid().ToString("N"));

    public SqliteBenchmarkDatabase() => Directory.CreateDirectory(_folder);

    /// <summary>A path for a new database file in this run's folder.</summary>
    public string NewFilePath(string name) => Path.Combine(_folder, name + ".db");

    /// <summary>Opens the library on <paramref name="path"/> with the given synchronous mode (WAL on, as by default).</summary>
    public static async Task<StoragePlugin> OpenStorageAsync(string path, SqliteSynchronousMode synchronous)
    {
        var plugin = new StoragePlugin(new SqliteStorageBackend(new SqliteStorageOptions { Path = path, Wal = true, Synchronous = synchronous }));
        await plugin.InitializeAsync();
        return plugin;
    }

    /// <summary>A raw connection tuned as a careful hand-written application would: WAL, the mode, a busy timeout.</summary>
    public static SqliteConnection OpenRawConnection(string path, SqliteSynchronousMode synchronous)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL");
        Execute(connection, $"PRAGMA synchronous = {synchronous.ToString().ToUpperInvariant()}");
        Execute(connection, "PRAGMA busy_timeout = 5000");
        Execute(connection, CreateTable);
        Execute(connection, CreateExpiresIndex);
        return connection;
    }

    /// <summary>Inserts rows in one transaction (setup only, unmeasured).</summary>
    public static void Seed(SqliteConnection connection, IEnumerable<(string Key, string Json)> rows)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT OR REPLACE INTO storage (key, value, expires_at) VALUES ($key, $value, NULL)";
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var value = insert.Parameters.Add("$value", SqliteType.Text);
        insert.Prepare();
        foreach (var row in rows)
        {
            key.Value = row.Key;
            value.Value = row.Json;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static long NowUnixMilliseconds => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the OS temp cleaner takes it later.
        }
    }
}

/// <summary>The raw point read: <c>SELECT value … WHERE key = $key</c> with the same expiry check the library makes, prepared once.</summary>
internal sealed class RawSqliteReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _select;
    private readonly SqliteParameter _key;
    private readonly SqliteParameter _now;

    public RawSqliteReader(string path)
    {
        _connection = SqliteBenchmarkDatabase.OpenRawConnection(path, SqliteSynchronousMode.Full);
        _select = _connection.CreateCommand();
        _select.CommandText = "SELECT value FROM storage WHERE key = $key AND (expires_at IS NULL OR expires_at > $now)";
        _key = _select.Parameters.Add("$key", SqliteType.Text);
        _now = _select.Parameters.Add("$now", SqliteType.Integer);
        _select.Prepare();
    }

    /// <summary>The JSON text of a live key, or null.</summary>
    public string? Read(string physicalKey)
    {
        _key.Value = physicalKey;
        _now.Value = SqliteBenchmarkDatabase.NowUnixMilliseconds;
        using var reader = _select.ExecuteReader();
        return reader.Read() ? reader.GetString(0) : null;
    }

    public void Dispose()
    {
        _select.Dispose();
        _connection.Dispose();
    }
}

/// <summary>The raw writer: a prepared upsert (and delete) on one connection, autocommit or batched in explicit transactions.</summary>
internal sealed class RawSqliteWriter : IDisposable
{
    public const string Upsert =
        "INSERT INTO storage (key, value, expires_at) VALUES ($key, $value, $expires) " +
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at";

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _upsert;
    private readonly SqliteParameter _key;
    private readonly SqliteParameter _value;
    private readonly SqliteParameter _expires;
    private readonly SqliteCommand _delete;
    private readonly SqliteParameter _deleteKey;

    public RawSqliteWriter(string path, SqliteSynchronousMode synchronous)
    {
        _connection = SqliteBenchmarkDatabase.OpenRawConnection(path, synchronous);
        _upsert = _connection.CreateCommand();
        _upsert.CommandText = Upsert;
        _key = _upsert.Parameters.Add("$key", SqliteType.Text);
        _value = _upsert.Parameters.Add("$value", SqliteType.Text);
        _expires = _upsert.Parameters.Add("$expires", SqliteType.Integer);
        _upsert.Prepare();
        _delete = _connection.CreateCommand();
        _delete.CommandText = "DELETE FROM storage WHERE key = $key";
        _deleteKey = _delete.Parameters.Add("$key", SqliteType.Text);
        _delete.Prepare();
    }

    public SqliteConnection Connection => _connection;

    /// <summary>One upsert; in autocommit mode (no open transaction) it is its own durable transaction.</summary>
    public void Write(string physicalKey, string json, long? expiresAtUnixMilliseconds = null)
    {
        _key.Value = physicalKey;
        _value.Value = json;
        _expires.Value = expiresAtUnixMilliseconds is { } expires ? expires : DBNull.Value;
        _upsert.ExecuteNonQuery();
    }

    public bool Delete(string physicalKey)
    {
        _deleteKey.Value = physicalKey;
        return _delete.ExecuteNonQuery() > 0;
    }

    /// <summary>Starts an explicit transaction the prepared commands take part in, for batching.</summary>
    public SqliteTransaction BeginBatch()
    {
        var transaction = _connection.BeginTransaction();
        _upsert.Transaction = transaction;
        _delete.Transaction = transaction;
        return transaction;
    }

    public void EndBatch(SqliteTransaction transaction)
    {
        transaction.Commit();
        transaction.Dispose();
        _upsert.Transaction = null;
        _delete.Transaction = null;
    }

    public void Dispose()
    {
        _upsert.Dispose();
        _delete.Dispose();
        _connection.Dispose();
    }
}
