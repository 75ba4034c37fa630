using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ObjectOS.Storage.Sqlite;

/// <summary>
/// The one connection that writes, used only by the writer loop. It commits a batch of queued writes in one
/// transaction (group commit: one fsync for the whole batch), each write under its own savepoint so that a
/// failing write is rolled back alone and the others still commit.
/// </summary>
internal sealed class WriterConnection : IDisposable
{
    private const int MaxAttempts = 3;

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly string _path;
    private readonly List<NativeStatement> _statements = [];
    private readonly NativeStatement _begin;
    private readonly NativeStatement _commit;
    private readonly NativeStatement _rollback;
    private readonly NativeStatement _savepoint;
    private readonly NativeStatement _release;
    private readonly NativeStatement _rollbackToSavepoint;
    private readonly NativeStatement _upsert;
    private readonly NativeStatement _deleteOne;
    private readonly NativeStatement _countLiveInRange;
    private readonly NativeStatement _deleteRange;
    private readonly NativeStatement _selectRange;
    private readonly NativeStatement _deleteKey;
    private readonly NativeStatement _countLiveAll;
    private readonly NativeStatement _deleteAll;
    private readonly NativeStatement _sweep;

    public WriterConnection(SqliteConnection connection, string path)
    {
        _connection = connection;
        _db = connection.Handle!;
        _path = path;
        try
        {
            _begin = Prepare(SqliteSql.Begin);
            _commit = Prepare(SqliteSql.Commit);
            _rollback = Prepare(SqliteSql.Rollback);
            _savepoint = Prepare(SqliteSql.Savepoint);
            _release = Prepare(SqliteSql.Release);
            _rollbackToSavepoint = Prepare(SqliteSql.RollbackToSavepoint);
            _upsert = Prepare(SqliteSql.Upsert);
            _deleteOne = Prepare(SqliteSql.DeleteOne);
            _countLiveInRange = Prepare(SqliteSql.CountLiveInRange);
            _deleteRange = Prepare(SqliteSql.DeleteRange);
            _selectRange = Prepare(SqliteSql.SelectRange);
            _deleteKey = Prepare(SqliteSql.DeleteKey);
            _countLiveAll = Prepare(SqliteSql.CountLiveAll);
            _deleteAll = Prepare(SqliteSql.DeleteAll);
            _sweep = Prepare(SqliteSql.SweepExpired);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private NativeStatement Prepare(string sql)
    {
        var statement = new NativeStatement(_db, sql, _path);
        _statements.Add(statement);
        return statement;
    }

    /// <summary>How many write transactions have committed (for tests and diagnostics).</summary>
    public long CommittedTransactions => Volatile.Read(ref _committedTransactions);

    /// <summary>How many writes have been committed (for tests and diagnostics).</summary>
    public long CommittedWrites => Volatile.Read(ref _committedWrites);

    private long _committedTransactions;
    private long _committedWrites;

    private bool InTransaction => raw.sqlite3_get_autocommit(_db) == 0;

    /// <summary>
    /// Runs <paramref name="batch"/> in one transaction, each multi-statement operation under a savepoint, commits, and only then
    /// completes the operations. When SQLite rolls back the whole transaction on an error (I/O, disk full), the
    /// failing operation fails and the others are retried in a new transaction.
    /// </summary>
    public void CommitBatch(List<WriteOperation> batch)
    {
        var pending = batch;
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            var done = new List<WriteOperation>(pending.Count);
            List<WriteOperation>? retry = null;
            try
            {
                _begin.Execute("starting a write transaction");
            }
            catch (StorageException error)
            {
                FailAll(pending, error);
                return;
            }

            for (var i = 0; i < pending.Count; i++)
            {
                var operation = pending[i];
                if (operation.IsSingleStatement ? RunStatement(operation, out var error) : RunUnderSavepoint(operation, out error))
                {
                    done.Add(operation);
                    continue;
                }

                operation.Fail(error!);
                if (!InTransaction)
                {
                    // SQLite rolled the whole transaction back: the writes done so far are lost, run them again.
                    retry = [.. done, .. pending.Skip(i + 1)];
                    if (attempt >= MaxAttempts)
                    {
                        FailAll(retry, error!);
                        return;
                    }

                    break;
                }
            }

            if (retry is not null)
            {
                pending = retry;
                continue;
            }

            try
            {
                _commit.Execute("committing writes");
            }
            catch (StorageException error)
            {
                RollbackQuietly();
                FailAll(done, error);
                return;
            }

            Interlocked.Increment(ref _committedTransactions);
            Interlocked.Add(ref _committedWrites, done.Count);
            foreach (var operation in done)
            {
                operation.Succeed();
            }

            return;
        }
    }

    // A single statement that fails is undone by SQLite alone; the transaction (and the group) goes on.
    private bool RunStatement(WriteOperation operation, out Exception? error)
    {
        try
        {
            operation.Execute(this);
            error = null;
            return true;
        }
        catch (Exception e) when (e is StorageException or ArgumentException or InvalidOperationException or OverflowException)
        {
            error = e;
            return false;
        }
    }

    private bool RunUnderSavepoint(WriteOperation operation, out Exception? error)
    {
        try
        {
            _savepoint.Execute("starting a write");
        }
        catch (StorageException e)
        {
            error = e;
            return false;
        }

        try
        {
            operation.Execute(this);
            _release.Execute("finishing a write");
            error = null;
            return true;
        }
        catch (Exception e) when (e is StorageException or ArgumentException or InvalidOperationException or OverflowException)
        {
            error = e;
            if (InTransaction)
            {
                try
                {
                    _rollbackToSavepoint.Execute("rolling back a failed write");
                    _release.Execute("rolling back a failed write");
                }
                catch (StorageException)
                {
                    RollbackQuietly();
                }
            }

            return false;
        }
    }

    private void RollbackQuietly()
    {
        if (!InTransaction)
        {
            return;
        }

        try
        {
            _rollback.Execute("rolling back");
        }
        catch (StorageException)
        {
            // SQLite rolls back by itself when the connection closes; nothing was acknowledged.
        }
    }

    private static void FailAll(List<WriteOperation> operations, Exception error)
    {
        foreach (var operation in operations)
        {
            operation.Fail(error);
        }
    }

    public void Upsert(PhysicalKey key, byte[] value, long? expiresAtMs)
    {
        var statement = _upsert;
        statement.BindKey(1, key);
        statement.BindUtf8(2, value);
        if (expiresAtMs is { } expiresAt)
        {
            statement.BindInt64(3, expiresAt);
        }
        else
        {
            statement.BindNull(3);
        }

        statement.Execute("storing a value");
    }

    public bool Delete(PhysicalKey key, long nowUnixTicks)
    {
        var statement = _deleteOne;
        statement.BindKey(1, key);
        try
        {
            var live = false;
            while (statement.Step("deleting a key"))
            {
                live |= statement.IsNull(0) || Expiry.IsLive(statement.GetInt64(0), nowUnixTicks);
            }

            return live;
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary>Deletes exactly the keys <paramref name="query"/> matches (live or expired) in the open transaction; returns how many were live.</summary>
    public long DeleteKeys(KeyQuery query, long nowUnixTicks)
    {
        var nowMs = Expiry.NowMs(nowUnixTicks);
        if (query.IsPrefixOnly && query.Prefix.Length == 0)
        {
            _countLiveAll.BindInt64(1, nowMs);
            var all = ReadCount(_countLiveAll);
            _deleteAll.Execute("clearing the store");
            return all;
        }

        var range = KeyRange.ForPrefix(query.Prefix);
        if (query.IsPrefixOnly)
        {
            _countLiveInRange.BindUtf8(1, range.Lower);
            _countLiveInRange.BindUtf8(2, range.Upper);
            _countLiveInRange.BindInt64(3, nowMs);
            var live = ReadCount(_countLiveInRange);
            _deleteRange.BindUtf8(1, range.Lower);
            _deleteRange.BindUtf8(2, range.Upper);
            _deleteRange.Execute("clearing keys");
            return live;
        }

        // A pattern beyond a prefix: walk the prefix range, decide each key with the core's exact matcher, then
        // delete the matches by primary key. All inside this transaction, so the clear is atomic.
        var matches = new List<(string Key, bool Live)>();
        _selectRange.BindUtf8(1, range.Lower);
        _selectRange.BindUtf8(2, range.Upper);
        try
        {
            while (_selectRange.Step("listing keys to delete"))
            {
                var key = _selectRange.GetString(0);
                if (query.Matches(key))
                {
                    matches.Add((key, _selectRange.IsNull(1) || _selectRange.GetInt64(1) > nowMs));
                }
            }
        }
        finally
        {
            _selectRange.Reset();
        }

        long removed = 0;
        foreach (var (key, live) in matches)
        {
            _deleteKey.BindText(1, key);
            _deleteKey.Execute("deleting keys");
            if (live)
            {
                removed++;
            }
        }

        return removed;
    }

    public long SweepExpired(long nowUnixTicks, int batchSize)
    {
        _sweep.BindInt64(1, Expiry.NowMs(nowUnixTicks));
        _sweep.BindInt64(2, batchSize);
        _sweep.Execute("purging expired keys");
        return raw.sqlite3_changes(_db);
    }

    private static long ReadCount(NativeStatement statement)
    {
        try
        {
            return statement.Step("counting keys") ? statement.GetInt64(0) : 0;
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary>Moves the WAL content into the database file and truncates the WAL, waiting at most briefly for other connections.</summary>
    public void Checkpoint()
    {
        raw.sqlite3_busy_timeout(_db, 250);
        try
        {
            using var checkpoint = new NativeStatement(_db, "PRAGMA wal_checkpoint(TRUNCATE)", _path);
            checkpoint.Execute("checkpointing the WAL");
        }
        catch (StorageException)
        {
            // Best effort: another process is still using the file; its last connection to close checkpoints.
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements)
        {
            statement.Dispose();
        }

        _statements.Clear();
        _connection.Dispose();
    }
}
