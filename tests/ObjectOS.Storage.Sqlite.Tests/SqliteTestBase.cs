using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>Backend-specific tests: a temp directory per test, backends and plugins disposed after it.</summary>
public abstract class SqliteTestBase : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _disposables = [];

    protected TempDirectory Directory { get; } = new();

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected SqliteStorageOptions NewOptions(string? path = null) => new() { Path = path ?? Directory.NewDatabasePath(), TimeProvider = Time };

    protected SqliteStorageBackend CreateBackend(SqliteStorageOptions? options = null) => Track(new SqliteStorageBackend(options ?? NewOptions()));

    protected async Task<(StoragePlugin Storage, SqliteStorageBackend Backend)> CreateStorageAsync(SqliteStorageOptions? options = null)
    {
        var backend = new SqliteStorageBackend(options ?? NewOptions());
        var storage = Track(new StoragePlugin(backend));
        await storage.InitializeAsync();
        return (storage, backend);
    }

    protected T Track<T>(T disposable) where T : IAsyncDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    /// <summary>A plain connection to the file, as another program would open it (unpooled, so closing releases the file).</summary>
    protected static SqliteConnection OpenRaw(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWrite)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    protected static object? Scalar(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command.ExecuteScalar();
    }

    protected static void Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    protected static long Count(string path, string where = "1")
    {
        using var connection = OpenRaw(path);
        return (long)Scalar(connection, "SELECT count(*) FROM storage WHERE " + where)!;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or 10 seconds pass; returns whether it held.</summary>
    protected static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1000; i++)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(10);
        }

        return condition();
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            await _disposables[i].DisposeAsync();
        }

        Directory.Dispose();
    }
}
