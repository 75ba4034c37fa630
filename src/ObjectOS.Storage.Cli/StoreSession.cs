namespace ObjectOS.Storage.Cli;

/// <summary>One open store: the parsed URI and a <see cref="StoragePlugin"/> with full (host) access on its backend.</summary>
internal sealed class StoreSession : IAsyncDisposable
{
    private readonly Dictionary<string, IScopedStorage> _scopes = new(StringComparer.Ordinal);

    private StoreSession(StoreUri uri, StoragePlugin storage)
    {
        Uri = uri;
        Storage = storage;
    }

    /// <summary>The store's URI (print only <see cref="StoreUri.Redacted"/>).</summary>
    public StoreUri Uri { get; }

    /// <summary>The storage, as the host sees it: full access.</summary>
    public StoragePlugin Storage { get; }

    /// <summary>Opens the store named by <paramref name="uri"/>, failing within a bounded time if it cannot be reached.</summary>
    /// <exception cref="StorageUnavailableException">The store did not open in time.</exception>
    public static async Task<StoreSession> OpenAsync(StoreUri uri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var backend = BackendFactory.Create(uri);
        var storage = new StoragePlugin(backend);
        var limit = BackendFactory.OpenTimeout(uri);
        try
        {
            await storage.InitializeAsync(cancellationToken).AsTask().WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await DisposeQuietlyAsync(storage).ConfigureAwait(false);
            throw new StorageUnavailableException(
                $"Cannot open store '{uri.Redacted}': no answer within {Duration.Format(limit)}.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await DisposeQuietlyAsync(storage).ConfigureAwait(false);
            throw Describe(uri, ex);
        }

        return new StoreSession(uri, storage);
    }

    /// <summary>
    /// The store and key to use for one physical key: keys that start with a valid plugin id and <c>:</c> go through
    /// that plugin's scope (so the key-length limit applies to the part inside the scope, as it did when it was written).
    /// </summary>
    public (IKeyValueStore Store, string Key) Route(string physicalKey)
    {
        ArgumentNullException.ThrowIfNull(physicalKey);
        var colon = physicalKey.IndexOf(StorageValidation.ScopeSeparator, StringComparison.Ordinal);
        if (colon <= 0 || colon == physicalKey.Length - 1)
        {
            return (Storage, physicalKey);
        }

        var pluginId = physicalKey[..colon];
        if (!StorageValidation.IsValidPluginId(pluginId))
        {
            return (Storage, physicalKey);
        }

        IScopedStorage? scope;
        lock (_scopes)
        {
            if (!_scopes.TryGetValue(pluginId, out scope))
            {
                scope = Storage.GetScopedStorage(pluginId);
                _scopes.Add(pluginId, scope);
            }
        }

        return (scope, physicalKey[(colon + 1)..]);
    }

    /// <summary>Reads one physical key's value and remaining time to live; <see langword="null"/> when it is gone.</summary>
    public async Task<StoredEntry?> ReadAsync(string physicalKey, CancellationToken cancellationToken)
    {
        var (store, key) = Route(physicalKey);
        var value = await store.GetBytesAsync(key, cancellationToken).ConfigureAwait(false);
        if (value is not { } bytes)
        {
            return null;
        }

        var ttl = await store.GetTimeToLiveAsync(key, cancellationToken).ConfigureAwait(false);
        if (ttl is not { } left)
        {
            return null; // expired or deleted between the two reads
        }

        return new StoredEntry(physicalKey, bytes, left == Timeout.InfiniteTimeSpan ? null : left);
    }

    /// <summary>Writes one physical key with an optional time to live, overwriting what was there.</summary>
    public async Task WriteAsync(string physicalKey, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        var (store, key) = Route(physicalKey);
        await store.SetBytesAsync(key, value, timeToLive, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the backend.</summary>
    public ValueTask DisposeAsync() => Storage.DisposeAsync();

    private static Exception Describe(StoreUri uri, Exception ex)
    {
        var root = ExitCodes.Unwrap(ex);
        return root switch
        {
            ArgumentException arg => new ArgumentException($"Cannot open store '{uri.Redacted}': {arg.Message}", arg),
            StorageConfigurationException => new StorageConfigurationException($"Cannot open store '{uri.Redacted}': {root.Message}", root),
            _ => new StorageUnavailableException($"Cannot open store '{uri.Redacted}': {root.Message}", root),
        };
    }

    private static async Task DisposeQuietlyAsync(StoragePlugin storage)
    {
        try
        {
            await storage.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The open already failed; that error is the one to report.
        }
    }
}

/// <summary>One live entry: its physical key, UTF-8 JSON value and remaining time to live (<see langword="null"/>: none).</summary>
internal sealed record StoredEntry(string Key, ReadOnlyMemory<byte> Value, TimeSpan? TimeToLive);
