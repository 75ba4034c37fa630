using ObjectOS.Storage.Testing;

namespace ObjectOS.Storage.Tests;

public sealed class MemoryConformanceTests : StorageConformanceTests
{
    protected override IStorageBackend CreateBackend(TimeProvider timeProvider)
        => new MemoryStorageBackend(new MemoryStorageOptions { TimeProvider = timeProvider, MaxKeys = 100_000 });
}

public sealed class MemoryModelTests : StorageModelTests
{
    protected override IStorageBackend CreateBackend(TimeProvider timeProvider)
        => new MemoryStorageBackend(new MemoryStorageOptions { TimeProvider = timeProvider });
}
