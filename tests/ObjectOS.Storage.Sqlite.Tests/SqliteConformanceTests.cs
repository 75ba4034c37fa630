using ObjectOS.Storage.Testing;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>The shared conformance suite on the SQLite backend: a fresh database file for every backend.</summary>
public sealed class SqliteConformanceTests : StorageConformanceTests
{
    private readonly TempDirectory _directory = new();

    protected override IStorageBackend CreateBackend(TimeProvider timeProvider)
        => new SqliteStorageBackend(new SqliteStorageOptions { Path = _directory.NewDatabasePath(), TimeProvider = timeProvider });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The shared model-based random test on the SQLite backend: a fresh database file for every run.</summary>
public sealed class SqliteModelTests : StorageModelTests
{
    private readonly TempDirectory _directory = new();

    protected override IStorageBackend CreateBackend(TimeProvider timeProvider)
        => new SqliteStorageBackend(new SqliteStorageOptions { Path = _directory.NewDatabasePath(), TimeProvider = timeProvider });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
