using Microsoft.Extensions.Time.Testing;

namespace ObjectOS.Storage.Testing;

/// <summary>
/// What every backend's test class provides to the shared suites: a factory for a fresh, isolated backend and
/// a way to let time pass. Backends whose expiry runs on a server clock (Redis) cannot use a fake clock, so for
/// them time passes for real and the suites keep their TTLs short.
/// </summary>
public abstract class StorageTestBase : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _disposables = [];

    /// <summary>The fake clock given to backends that use <see cref="TimeProvider"/>.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// Creates a fresh backend that shares no data with any other backend created by this method (a new file, a new
    /// key prefix). Backends that honour a TimeProvider must use <paramref name="timeProvider"/>.
    /// </summary>
    protected abstract IStorageBackend CreateBackend(TimeProvider timeProvider);

    /// <summary>Whether the backend's expiry follows <see cref="Time"/>; false when a server clock decides (Redis).</summary>
    protected virtual bool UsesFakeTime => true;

    /// <summary>Whether the backend enforces a maximum key count (memory's MaxKeys).</summary>
    protected virtual bool SupportsMaxKeys => false;

    /// <summary>A short TTL for expiry tests: tiny under a fake clock, long enough to observe a live key on a real clock.</summary>
    protected TimeSpan ShortTtl => UsesFakeTime ? TimeSpan.FromSeconds(10) : TimeSpan.FromMilliseconds(600);

    /// <summary>Lets <paramref name="duration"/> pass: advances the fake clock, or waits for real.</summary>
    protected async Task AdvanceAsync(TimeSpan duration)
    {
        if (UsesFakeTime)
        {
            Time.Advance(duration);
        }
        else
        {
            await Task.Delay(duration);
        }
    }

    /// <summary>Creates a <see cref="StoragePlugin"/> over a fresh backend, disposed after the test.</summary>
    protected StoragePlugin CreateStorage(StoragePluginOptions? options = null)
    {
        var plugin = new StoragePlugin(CreateBackend(Time), options ?? new StoragePluginOptions());
        _disposables.Add(plugin);
        return plugin;
    }

    /// <summary>Registers something to dispose when the test ends.</summary>
    protected T Track<T>(T disposable) where T : IAsyncDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            await _disposables[i].DisposeAsync();
        }
    }
}
