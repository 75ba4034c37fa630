namespace ObjectOS.Storage;

/// <summary>Settings of the <see cref="MemoryStorageBackend"/>.</summary>
public sealed class MemoryStorageOptions
{
    /// <summary>The default key limit, the original package's.</summary>
    public const int DefaultMaxKeys = 10_000;

    private int _maxKeys = DefaultMaxKeys;
    private TimeSpan _ttlCheckInterval = TimeSpan.FromMinutes(1);
    private TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>The most live keys the store holds; setting a new key beyond it throws <see cref="StorageQuotaExceededException"/>. Default 10,000.</summary>
    public int MaxKeys
    {
        get => _maxKeys;
        set => _maxKeys = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxKeys must be positive.");
    }

    /// <summary>How often expired keys are purged from memory; default one minute. Expired keys are never visible in between.</summary>
    public TimeSpan TtlCheckInterval
    {
        get => _ttlCheckInterval;
        set => _ttlCheckInterval = value > TimeSpan.Zero && value.TotalMilliseconds <= uint.MaxValue - 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "TtlCheckInterval must be positive (and under 49 days).");
    }

    /// <summary>The clock used for expiry; tests pass a fake one.</summary>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set => _timeProvider = value ?? throw new ArgumentNullException(nameof(value));
    }
}
