using ObjectOS.Storage.Testing;

namespace ObjectOS.Storage.Redis.Tests;

// The shared conformance suite and model-based test, unchanged, against a real standalone server and a real cluster.
// Redis decides expiry with its own clock, so time passes for real (UsesFakeTime => false).

public sealed class RedisConformanceTests : StorageConformanceTests
{
    protected override bool UsesFakeTime => false;

    protected override IStorageBackend CreateBackend(TimeProvider timeProvider) => RedisTestServers.Instance.CreateBackend(cluster: false);
}

public sealed class RedisClusterConformanceTests : StorageConformanceTests
{
    protected override bool UsesFakeTime => false;

    protected override IStorageBackend CreateBackend(TimeProvider timeProvider) => RedisTestServers.Instance.CreateBackend(cluster: true);
}

public sealed class RedisModelTests : StorageModelTests
{
    protected override bool UsesFakeTime => false;

    protected override IStorageBackend CreateBackend(TimeProvider timeProvider) => RedisTestServers.Instance.CreateBackend(cluster: false);
}

public sealed class RedisClusterModelTests : StorageModelTests
{
    protected override bool UsesFakeTime => false;

    protected override IStorageBackend CreateBackend(TimeProvider timeProvider) => RedisTestServers.Instance.CreateBackend(cluster: true);
}
