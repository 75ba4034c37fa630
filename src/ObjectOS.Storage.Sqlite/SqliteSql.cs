namespace ObjectOS.Storage.Sqlite;

/// <summary>
/// Every SQL statement the backend runs. All values are bound parameters; keys and patterns never become SQL text.
/// A row is live when <c>expires_at</c> is NULL or later than the bound "now" (epoch milliseconds from the
/// configured clock, never SQLite's). The unary <c>+</c> on <c>expires_at</c> keeps the planner from choosing
/// <c>idx_expires_at</c> for listing and clearing: those must walk the primary-key index range.
/// </summary>
internal static class SqliteSql
{
    /// <summary>The schema version recorded in <c>PRAGMA user_version</c>.</summary>
    public const int SchemaVersion = 1;

    public const string TableName = "storage";

    // The layout of the original Node.js package, so that both can share one file.
    public const string CreateTable = "CREATE TABLE IF NOT EXISTS storage (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)";
    public const string CreateExpiresIndex = "CREATE INDEX IF NOT EXISTS idx_expires_at ON storage(expires_at)";

    // Point reads (reader connections).
    public const string Get = "SELECT value, expires_at FROM storage WHERE key = ?1";
    public const string GetExpiry = "SELECT expires_at FROM storage WHERE key = ?1";

    // Listing, one page at a time in key order: ?1 lower bound, ?2 upper bound (prefix + 0xFF), ?3 now, ?4 page size.
    public const string ListFirstPage =
        "SELECT key FROM storage WHERE key >= ?1 AND key < ?2 AND (+expires_at IS NULL OR +expires_at > ?3) ORDER BY key LIMIT ?4";
    public const string ListNextPage =
        "SELECT key FROM storage WHERE key > ?1 AND key < ?2 AND (+expires_at IS NULL OR +expires_at > ?3) ORDER BY key LIMIT ?4";

    public const string CountRows = "SELECT count(*) FROM storage";

    // Writes (the writer connection only).
    public const string Upsert =
        "INSERT INTO storage (key, value, expires_at) VALUES (?1, ?2, ?3) " +
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at";
    public const string DeleteOne = "DELETE FROM storage WHERE key = ?1 RETURNING expires_at";

    // Clearing a key range (?1 lower bound, ?2 upper bound, ?3 now): count the live rows, then delete them all, in one transaction.
    public const string CountLiveInRange =
        "SELECT count(*) FROM storage WHERE key >= ?1 AND key < ?2 AND (+expires_at IS NULL OR +expires_at > ?3)";
    public const string DeleteRange = "DELETE FROM storage WHERE key >= ?1 AND key < ?2";
    public const string SelectRange = "SELECT key, expires_at FROM storage WHERE key >= ?1 AND key < ?2";
    public const string DeleteKey = "DELETE FROM storage WHERE key = ?1";

    // Clearing the root store: everything.
    public const string CountLiveAll = "SELECT count(*) FROM storage WHERE expires_at IS NULL OR expires_at > ?1";
    public const string DeleteAll = "DELETE FROM storage";

    // The sweeper: at most ?2 expired rows (expires_at <= ?1), found through idx_expires_at.
    public const string SweepExpired =
        "DELETE FROM storage WHERE rowid IN (SELECT rowid FROM storage WHERE expires_at <= ?1 LIMIT ?2)";

    public const string Begin = "BEGIN IMMEDIATE";
    public const string Commit = "COMMIT";
    public const string Rollback = "ROLLBACK";
    public const string Savepoint = "SAVEPOINT op";
    public const string Release = "RELEASE op";
    public const string RollbackToSavepoint = "ROLLBACK TO op";
}
