using System.Buffers;
using System.Text;
using SQLitePCL;

namespace ObjectOS.Storage.Sqlite;

/// <summary>
/// A statement prepared once on one connection and reused for every call (bind, step, reset), so the hot paths
/// neither parse SQL nor allocate beyond the values they return. Not thread-safe: its connection's owner serializes use.
/// </summary>
internal sealed class NativeStatement : IDisposable
{
    private const int StackKeyBytes = 1024;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly string _path;

    public NativeStatement(sqlite3 db, string sql, string path)
    {
        _db = db;
        _path = path;
        Sql = sql;
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _stmt);
        if (rc != raw.SQLITE_OK)
        {
            _stmt?.Dispose();
            throw SqliteErrors.Runtime(rc, db, path, "preparing a statement");
        }
    }

    public string Sql { get; }

    public void BindInt64(int index, long value) => Check(raw.sqlite3_bind_int64(_stmt, index, value));

    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_stmt, index));

    /// <summary>Binds UTF-8 bytes as TEXT (SQLite copies them).</summary>
    public void BindUtf8(int index, ReadOnlySpan<byte> utf8)
    {
        // An empty span has no address and would bind NULL; bind the empty string instead.
        Check(utf8.IsEmpty ? raw.sqlite3_bind_text(_stmt, index, string.Empty) : raw.sqlite3_bind_text(_stmt, index, utf8));
    }

    /// <summary>Binds a string as TEXT, encoded to UTF-8 without allocating for ordinary key lengths.</summary>
    public void BindText(int index, ReadOnlySpan<char> text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= StackKeyBytes)
        {
            Span<byte> buffer = stackalloc byte[StackKeyBytes];
            var length = Encoding.UTF8.GetBytes(text, buffer);
            BindUtf8(index, buffer[..length]);
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(text, rented);
            BindUtf8(index, rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Binds a physical key as TEXT without joining its parts into a new string.</summary>
    public void BindKey(int index, PhysicalKey key)
    {
        if (key.ScopePrefix.Length == 0)
        {
            BindText(index, key.Key);
            return;
        }

        var length = key.Length;
        if (length <= 256)
        {
            Span<char> chars = stackalloc char[256];
            key.CopyTo(chars);
            BindText(index, chars[..length]);
            return;
        }

        BindText(index, key.ToString());
    }

    /// <summary>Runs the statement one step: <see langword="true"/> when a row is available, <see langword="false"/> when done.</summary>
    public bool Step(string operation)
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        var error = SqliteErrors.Runtime(raw.sqlite3_extended_errcode(_db), _db, _path, operation);
        raw.sqlite3_reset(_stmt);
        throw error;
    }

    /// <summary>Runs a statement that returns no rows to completion, then resets it.</summary>
    public void Execute(string operation)
    {
        try
        {
            while (Step(operation))
            {
            }
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>Resets the statement so it releases its read snapshot and can run again.</summary>
    public void Reset() => raw.sqlite3_reset(_stmt);

    public bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;

    public long GetInt64(int column) => raw.sqlite3_column_int64(_stmt, column);

    /// <summary>The raw bytes of a column (UTF-8 for TEXT); valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> GetBytes(int column) => raw.sqlite3_column_blob(_stmt, column);

    public string GetString(int column) => Encoding.UTF8.GetString(raw.sqlite3_column_blob(_stmt, column));

    public void Dispose() => _stmt.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw SqliteErrors.Runtime(rc, _db, _path, "binding a parameter");
        }
    }
}
