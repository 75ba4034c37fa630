using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ObjectOS.Storage.Sqlite;

/// <summary>Maps SQLite result codes to the storage library's typed exceptions.</summary>
internal static class SqliteErrors
{
    /// <summary>A runtime error on an open database: an operation that did not take effect.</summary>
    public static StorageException Runtime(int resultCode, sqlite3? db, string path, string operation)
    {
        var message = DescribeNative(resultCode, db);
        return (resultCode & 0xFF) switch
        {
            raw.SQLITE_BUSY or raw.SQLITE_LOCKED => new StorageUnavailableException(
                $"SQLite database '{path}' stayed locked by another connection or process beyond the busy timeout during {operation}: {message}"),
            raw.SQLITE_IOERR or raw.SQLITE_FULL or raw.SQLITE_CANTOPEN or raw.SQLITE_PROTOCOL or raw.SQLITE_READONLY
                or raw.SQLITE_NOMEM or raw.SQLITE_CORRUPT or raw.SQLITE_NOTADB or raw.SQLITE_PERM or raw.SQLITE_NOLFS => new StorageUnavailableException(
                $"SQLite database '{path}' could not complete {operation}: {message}"),
            _ => new StorageException($"SQLite database '{path}' failed during {operation}: {message}"),
        };
    }

    /// <summary>An error while opening or checking the database at start-up: a configuration problem.</summary>
    public static StorageConfigurationException Startup(string path, Exception error)
    {
        var problem = error switch
        {
            SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) switch
            {
                raw.SQLITE_NOTADB => "the file is not a SQLite database (or is encrypted)",
                raw.SQLITE_CANTOPEN => "the file cannot be opened or created (missing or read-only directory, or no permission)",
                raw.SQLITE_READONLY => "the file or its directory is read-only",
                raw.SQLITE_PERM => "permission denied",
                raw.SQLITE_CORRUPT => "the database file is corrupt",
                raw.SQLITE_BUSY or raw.SQLITE_LOCKED => "the database stayed locked by another process beyond the busy timeout",
                raw.SQLITE_FULL => "the disk is full",
                raw.SQLITE_IOERR => "an I/O error occurred",
                _ => "SQLite reported an error",
            } + $" ({sqlite.Message.TrimEnd('.')})",
            UnauthorizedAccessException or IOException => $"{error.Message.TrimEnd('.')}",
            _ => error.Message,
        };

        return new StorageConfigurationException($"Cannot open SQLite storage file '{path}': {problem}.", error);
    }

    public static string DescribeNative(int resultCode, sqlite3? db)
    {
        var text = raw.sqlite3_errstr(resultCode).utf8_to_string();
        if (db is not null && !db.IsInvalid)
        {
            var detail = raw.sqlite3_errmsg(db).utf8_to_string();
            if (!string.IsNullOrEmpty(detail) && !string.Equals(detail, text, StringComparison.Ordinal))
            {
                text = $"{text} ({detail})";
            }
        }

        return $"{text} [SQLite error {resultCode}]";
    }
}
