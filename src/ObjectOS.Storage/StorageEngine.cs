using System.Text.Json;

namespace ObjectOS.Storage;

/// <summary>
/// The shared machinery behind every store view: the backend, its one-time initialisation, validation and
/// serialization. Views differ only in their scope prefix.
/// </summary>
internal sealed class StorageEngine : IAsyncDisposable
{
    private readonly Lock _initGate = new();
    private Task? _initTask;
    private volatile bool _ready;
    private int _disposed;

    public StorageEngine(IStorageBackend backend, StoragePluginOptions options)
    {
        Backend = backend;
        Options = options;
        // System.Text.Json makes the options read-only on first use; the JsonTypeInfo<T> overloads never touch them.
        var json = options.JsonSerializerOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Serializer = new StorageSerializer(json, options.MaxValueBytes);
    }

    public IStorageBackend Backend { get; }

    public StoragePluginOptions Options { get; }

    public StorageSerializer Serializer { get; }

    public bool IsReady => _ready;

    public ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(InitializeSlowAsync(cancellationToken));
    }

    private async Task InitializeSlowAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Task init;
        lock (_initGate)
        {
            if (_initTask is null || _initTask.IsFaulted || _initTask.IsCanceled)
            {
                _initTask = Backend.InitializeAsync(CancellationToken.None).AsTask();
            }

            init = _initTask;
        }

        await init.WaitAsync(cancellationToken).ConfigureAwait(false);
        _ready = true;
    }

    public void ValidateKey(string key) => StorageValidation.ValidateKey(key, Options.MaxKeyLength);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ready = false;
        await Backend.DisposeAsync().ConfigureAwait(false);
    }
}
