using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ObjectOS.Storage.Sqlite;

/// <summary>
/// Opens the writer connection and brings the file to the expected schema. Every check that can reject the file
/// (not a database, a <c>storage</c> table of another shape, a newer schema version) runs before anything is
/// written, so a rejected file is left exactly as it was.
/// </summary>
internal sealed class SqliteSchema(string path, SqliteStorageOptions options)
{
    // SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE (sqlite3.h); SQLitePCLRaw exposes the call but not the constant.
    private const int SqliteDbConfigNoCheckpointOnClose = 1006;

    private static readonly (string Name, string Type, bool PrimaryKey)[] ExpectedColumns =
    [
        ("key", "TEXT", true),
        ("value", "TEXT", false),
        ("expires_at", "INTEGER", false),
    ];

    /// <summary>Opens an unpooled connection (so closing it really closes the file) with the busy timeout set.</summary>
    public static SqliteConnection OpenConnection(string path, SqliteOpenMode mode, TimeSpan busyTimeout)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            // 0 would mean "retry forever" to Microsoft.Data.Sqlite's own busy loop (used only at start-up).
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // SQLite's own busy handler: a locked file is retried for up to the timeout, never reported before it.
            raw.sqlite3_busy_timeout(connection.Handle, (int)Math.Min(int.MaxValue, busyTimeout.TotalMilliseconds));
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Opens the writer connection on a checked, initialized file; returns it and the journal mode in effect.</summary>
    public (SqliteConnection Connection, string JournalMode) OpenWriter(CancellationToken cancellationToken)
    {
        CreateDirectory();
        var connection = OpenConnection(path, SqliteOpenMode.ReadWriteCreate, options.BusyTimeout);
        try
        {
            if (raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw Problem("the file is read-only (no write permission on the file or its directory)");
            }

            // A file that is rejected must stay as it was: closing this connection must not checkpoint a WAL left
            // by another process into it. Re-enabled below once the file has passed the checks.
            raw.sqlite3_db_config(connection.Handle, SqliteDbConfigNoCheckpointOnClose, 1, out _);

            // 1. Read-only checks. Reading the schema makes SQLite read the header: a foreign file fails here.
            Scalar(connection, "SELECT count(*) FROM sqlite_master");
            var version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            if (version is < 0 or > SqliteSql.SchemaVersion)
            {
                throw Problem($"its schema version (PRAGMA user_version) is {version}, but this library knows versions up to " +
                    $"{SqliteSql.SchemaVersion}; it was written by a newer version or another application");
            }

            CheckTable(connection);
            cancellationToken.ThrowIfCancellationRequested();
            raw.sqlite3_db_config(connection.Handle, SqliteDbConfigNoCheckpointOnClose, 0, out _);

            // 2. Journal and sync mode (journal_mode = WAL is persistent in the file; synchronous is per connection).
            var journalMode = Convert.ToString(
                Scalar(connection, options.Wal ? "PRAGMA journal_mode = WAL" : "PRAGMA journal_mode = DELETE"),
                CultureInfo.InvariantCulture) ?? string.Empty;
            if (options.Wal && !string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw Problem($"WAL could not be enabled (the journal mode stays '{journalMode}'); the file system may not " +
                    "support shared memory: set Wal = false");
            }

            Execute(connection, options.Synchronous switch
            {
                SqliteSynchronousMode.Off => "PRAGMA synchronous = OFF",
                SqliteSynchronousMode.Normal => "PRAGMA synchronous = NORMAL",
                SqliteSynchronousMode.Extra => "PRAGMA synchronous = EXTRA",
                _ => "PRAGMA synchronous = FULL",
            });

            // 3. Create and stamp in one transaction; check again under the write lock in case another process created it.
            Execute(connection, SqliteSql.Begin);
            try
            {
                CheckTable(connection);
                Execute(connection, SqliteSql.CreateTable);
                Execute(connection, SqliteSql.CreateExpiresIndex);
                Execute(connection, "PRAGMA user_version = 1");
                Execute(connection, SqliteSql.Commit);
            }
            catch
            {
                if (raw.sqlite3_get_autocommit(connection.Handle) == 0)
                {
                    Execute(connection, SqliteSql.Rollback);
                }

                throw;
            }

            return (connection, journalMode.ToLowerInvariant());
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void CreateDirectory()
    {
        var directory = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(directory) || Directory.Exists(directory))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new StorageConfigurationException(
                $"Cannot open SQLite storage file '{path}': its directory '{directory}' does not exist and cannot be created ({error.Message.TrimEnd('.')}).",
                error);
        }
    }

    // Accepts a missing table (it will be created) or exactly the original package's layout; anything else is refused.
    private void CheckTable(SqliteConnection connection)
    {
        string? type;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT type FROM main.sqlite_master WHERE name = $name COLLATE NOCASE";
            command.Parameters.AddWithValue("$name", SqliteSql.TableName);
            type = command.ExecuteScalar() as string;
        }

        if (type is null)
        {
            return;
        }

        if (!string.Equals(type, "table", StringComparison.Ordinal))
        {
            throw Problem($"'{SqliteSql.TableName}' is a {type}, not a table");
        }

        var columns = new List<(string Name, string Type, bool PrimaryKey)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, type, pk FROM pragma_table_info($name)";
            command.Parameters.AddWithValue("$name", SqliteSql.TableName);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0));
            }
        }

        var matches = columns.Count == ExpectedColumns.Length;
        for (var i = 0; matches && i < columns.Count; i++)
        {
            var (name, columnType, primaryKey) = columns[i];
            var expected = ExpectedColumns[i];
            matches = string.Equals(name, expected.Name, StringComparison.OrdinalIgnoreCase)
                && string.Equals(columnType, expected.Type, StringComparison.OrdinalIgnoreCase)
                && primaryKey == expected.PrimaryKey;
        }

        if (!matches)
        {
            var found = new StringBuilder();
            foreach (var (name, columnType, primaryKey) in columns)
            {
                found.Append(found.Length == 0 ? string.Empty : ", ").Append(name).Append(' ').Append(columnType)
                    .Append(primaryKey ? " PRIMARY KEY" : string.Empty);
            }

            throw Problem($"its table '{SqliteSql.TableName}' has the columns ({found}), but the storage layout is " +
                "(key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)");
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = $name COLLATE NOCASE";
            command.Parameters.AddWithValue("$name", SqliteSql.TableName);
            if (Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture) != 0)
            {
                throw Problem($"its table '{SqliteSql.TableName}' is a WITHOUT ROWID table; the storage layout needs an ordinary table");
            }
        }

        // Listing and clearing use key ranges in byte order: the primary key must use the BINARY collation.
        using (var command = connection.CreateCommand())
        {
            command.CommandText =
                "SELECT x.coll FROM pragma_index_list($name) AS l, pragma_index_xinfo(l.name) AS x " +
                "WHERE l.origin = 'pk' AND x.key = 1 AND x.cid = 0";
            command.Parameters.AddWithValue("$name", SqliteSql.TableName);
            var collation = command.ExecuteScalar() as string;
            if (collation is not null && !string.Equals(collation, "BINARY", StringComparison.OrdinalIgnoreCase))
            {
                throw Problem($"the primary key of its table '{SqliteSql.TableName}' uses the collation {collation}; the storage layout needs BINARY");
            }
        }
    }

    private StorageConfigurationException Problem(string problem)
        => new($"Cannot open SQLite storage file '{path}': {problem}. The file was not changed.");
}
