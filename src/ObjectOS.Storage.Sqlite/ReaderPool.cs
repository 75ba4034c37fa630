using Microsoft.Data.Sqlite;

namespace ObjectOS.Storage.Sqlite;

/// <summary>A read-only connection with its prepared statements, used by one thread at a time.</summary>
internal sealed class ReaderConnection : IDisposable
{
    private readonly SqliteConnection _connection;

    public ReaderConnection(SqliteConnection connection, string path)
    {
        _connection = connection;
        var db = connection.Handle!;
        try
        {
            Get = new NativeStatement(db, SqliteSql.Get, path);
            GetExpiry = new NativeStatement(db, SqliteSql.GetExpiry, path);
            ListFirstPage = new NativeStatement(db, SqliteSql.ListFirstPage, path);
            ListNextPage = new NativeStatement(db, SqliteSql.ListNextPage, path);
            CountRows = new NativeStatement(db, SqliteSql.CountRows, path);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NativeStatement Get { get; } = null!;

    public NativeStatement GetExpiry { get; } = null!;

    public NativeStatement ListFirstPage { get; } = null!;

    public NativeStatement ListNextPage { get; } = null!;

    public NativeStatement CountRows { get; } = null!;

    public void Dispose()
    {
        // Statements first: the connection closes only once none is left.
        Get?.Dispose();
        GetExpiry?.Dispose();
        ListFirstPage?.Dispose();
        ListNextPage?.Dispose();
        CountRows?.Dispose();
        _connection.Dispose();
    }
}

/// <summary>
/// A small lock-free pool of reader connections. Renting scans the slots starting at a per-thread position;
/// when every pooled connection is busy a new one is opened, and kept if a slot is free when it comes back.
/// </summary>
internal sealed class ReaderPool
{
    private readonly ReaderConnection?[] _slots;
    private readonly Func<ReaderConnection> _open;
    private int _active;
    private volatile bool _closed;

    public ReaderPool(int size, Func<ReaderConnection> open)
    {
        _slots = new ReaderConnection?[size];
        _open = open;
    }

    /// <summary>Takes a connection for the calling thread; give it back with <see cref="Return"/>.</summary>
    public ReaderConnection Rent()
    {
        Interlocked.Increment(ref _active);
        if (_closed)
        {
            Interlocked.Decrement(ref _active);
            throw new ObjectDisposedException(nameof(SqliteStorageBackend));
        }

        var slots = _slots;
        var start = (Environment.CurrentManagedThreadId & int.MaxValue) % slots.Length;
        for (var i = start; i < slots.Length; i++)
        {
            if (Interlocked.Exchange(ref slots[i], null) is { } found)
            {
                return found;
            }
        }

        for (var i = 0; i < start; i++)
        {
            if (Interlocked.Exchange(ref slots[i], null) is { } found)
            {
                return found;
            }
        }

        try
        {
            return _open();
        }
        catch
        {
            Interlocked.Decrement(ref _active);
            throw;
        }
    }

    /// <summary>Gives a connection back: into a free slot, or closed when the pool is full or closing.</summary>
    public void Return(ReaderConnection connection)
    {
        ReaderConnection? left = connection;
        if (!_closed)
        {
            var slots = _slots;
            for (var i = 0; i < slots.Length; i++)
            {
                if (Interlocked.CompareExchange(ref slots[i], connection, null) is null)
                {
                    left = null;
                    break;
                }
            }
        }

        left?.Dispose();
        Interlocked.Decrement(ref _active);
    }

    /// <summary>Adds an already opened connection (the one opened at start-up to check reading works).</summary>
    public void Add(ReaderConnection connection)
    {
        Interlocked.Increment(ref _active);
        Return(connection);
    }

    /// <summary>Refuses new rentals, waits for the rented connections to come back and closes all of them.</summary>
    public async Task CloseAsync()
    {
        _closed = true;
        var waited = 0;
        while (Volatile.Read(ref _active) != 0 && waited < 30_000)
        {
            await Task.Delay(1).ConfigureAwait(false);
            waited++;
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            Interlocked.Exchange(ref _slots[i], null)?.Dispose();
        }
    }
}
