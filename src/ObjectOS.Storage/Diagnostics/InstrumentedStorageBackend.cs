using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ObjectOS.Storage.Diagnostics;

/// <summary>
/// A decorator over any <see cref="IStorageBackend"/> that records, per operation and backend, a count, a latency
/// histogram and errors (meter <see cref="StorageDiagnostics.MeterName"/>), and starts one span per operation
/// (activity source <see cref="StorageDiagnostics.ActivitySourceName"/>). When nobody listens it forwards each call
/// directly, without timing or allocating.
/// </summary>
/// <remarks>
/// Keys and values are never recorded, only the plugin id of the scope an operation touched. The decorator owns
/// the inner backend and disposes it.
/// </remarks>
public sealed class InstrumentedStorageBackend : IStorageBackend
{
    private const int MaxCachedPluginIds = 1024;

    private const string InitializeActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationInitialize;
    private const string GetActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationGet;
    private const string SetActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationSet;
    private const string DeleteActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationDelete;
    private const string ExistsActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationExists;
    private const string TtlActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationGetTimeToLive;
    private const string ListKeysActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationListKeys;
    private const string DeleteKeysActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationDeleteKeys;
    private const string HealthActivity = StorageDiagnostics.ActivityNamePrefix + StorageDiagnostics.OperationHealth;

    // Seconds: from 50 µs (memory) to 10 s (a struggling remote server).
    private static readonly double[] DurationBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly string LibraryVersion = typeof(InstrumentedStorageBackend).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    // An ActivitySource is immutable and meant to be shared: listeners subscribe by name.
    private static readonly ActivitySource Source = new(StorageDiagnostics.ActivitySourceName, LibraryVersion);

    private readonly IStorageBackend _inner;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly bool _includePluginIdTag;
    private readonly string _backendName;
    private readonly Counter<long> _operations;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _errors;
    private readonly Histogram<long> _valueSize;
    private readonly ConcurrentDictionary<string, string> _pluginIds = new(StringComparer.Ordinal);

    /// <summary>
    /// Wraps <paramref name="inner"/>. The meter comes from <paramref name="meterFactory"/> when given (the usual case
    /// under dependency injection, and what <c>MetricCollector</c> tests use); otherwise the decorator creates and owns one.
    /// </summary>
    /// <param name="inner">The backend to measure; the decorator owns and disposes it.</param>
    /// <param name="options">Tagging settings; defaults when <see langword="null"/>.</param>
    /// <param name="meterFactory">Where to get the <see cref="StorageDiagnostics.MeterName"/> meter from, or <see langword="null"/>.</param>
    public InstrumentedStorageBackend(IStorageBackend inner, StorageInstrumentationOptions? options = null, IMeterFactory? meterFactory = null)
        : this(inner, options, CreateMeter(meterFactory), ownsMeter: meterFactory is null)
    {
    }

    /// <summary>Wraps <paramref name="inner"/>, recording on <paramref name="meter"/>, which stays the caller's to dispose.</summary>
    /// <param name="inner">The backend to measure; the decorator owns and disposes it.</param>
    /// <param name="meter">The meter to create the instruments on.</param>
    /// <param name="options">Tagging settings; defaults when <see langword="null"/>.</param>
    public InstrumentedStorageBackend(IStorageBackend inner, Meter meter, StorageInstrumentationOptions? options = null)
        : this(inner, options, meter ?? throw new ArgumentNullException(nameof(meter)), ownsMeter: false)
    {
    }

    private InstrumentedStorageBackend(IStorageBackend inner, StorageInstrumentationOptions? options, Meter meter, bool ownsMeter)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _meter = meter;
        _ownsMeter = ownsMeter;
        _includePluginIdTag = options?.IncludePluginIdTag ?? false;
        _backendName = inner.Name;
        _operations = meter.CreateCounter<long>(StorageDiagnostics.OperationsInstrumentName, "{operation}",
            "Storage backend operations, failed ones included.");
        _duration = meter.CreateHistogram<double>(StorageDiagnostics.OperationDurationInstrumentName, "s",
            "Duration of storage backend operations.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _errors = meter.CreateCounter<long>(StorageDiagnostics.ErrorsInstrumentName, "{error}",
            "Storage backend operations that failed.");
        _valueSize = meter.CreateHistogram<long>(StorageDiagnostics.ValueSizeInstrumentName, "By",
            "Size of the values written and read, in bytes of UTF-8 JSON.");
    }

    /// <summary>The measured backend.</summary>
    public IStorageBackend InnerBackend => _inner;

    /// <summary>The meter the instruments live on.</summary>
    public Meter Meter => _meter;

    /// <summary>Whether metrics carry the plugin id tag (see <see cref="StorageInstrumentationOptions.IncludePluginIdTag"/>).</summary>
    public bool IncludePluginIdTag => _includePluginIdTag;

    /// <summary>The inner backend's name, so that diagnostics and health reports name the real backend.</summary>
    public string Name => _backendName;

    private bool IsObserved => _operations.Enabled || _duration.Enabled || _errors.Enabled || _valueSize.Enabled || Source.HasListeners();

    /// <inheritdoc />
    public ValueTask InitializeAsync(CancellationToken cancellationToken)
        => IsObserved ? InitializeObservedAsync(cancellationToken) : _inner.InitializeAsync(cancellationToken);

    private async ValueTask InitializeObservedAsync(CancellationToken cancellationToken)
    {
        var op = Start(StorageDiagnostics.OperationInitialize, InitializeActivity, scopePrefix: string.Empty);
        try
        {
            await _inner.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Fail(op, ex, cancellationToken))
        {
            throw; // Unreachable: Fail returns false so the exception passes untouched.
        }

        Succeed(op);
    }

    /// <inheritdoc />
    public ValueTask<ReadOnlyMemory<byte>?> GetAsync(PhysicalKey key, CancellationToken cancellationToken)
        => IsObserved ? GetObservedAsync(key, cancellationToken) : _inner.GetAsync(key, cancellationToken);

    private async ValueTask<ReadOnlyMemory<byte>?> GetObservedAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var op = Start(StorageDiagnostics.OperationGet, GetActivity, key.ScopePrefix);
        ReadOnlyMemory<byte>? value;
        try
        {
            value = await _inner.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Fail(op, ex, cancellationToken))
        {
            throw;
        }

        if (value is { } bytes)
        {
            RecordValueSize(op, bytes.Length);
        }

        Succeed(op);
        return value;
    }

    /// <inheritdoc />
    public ValueTask SetAsync(PhysicalKey key, byte[] value, TimeSpan? timeToLive, CancellationToken cancellationToken)
        => IsObserved ? SetObservedAsync(key, value, timeToLive, cancellationToken) : _inner.SetAsync(key, value, timeToLive, cancellationToken);

    private async ValueTask SetObservedAsync(PhysicalKey key, byte[] value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = value.Length; // The backend owns the array once called.
        var op = Start(StorageDiagnostics.OperationSet, SetActivity, key.ScopePrefix);
        try
        {
            await _inner.SetAsync(key, value, timeToLive, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Fail(op, ex, cancellationToken))
        {
            throw;
        }

        RecordValueSize(op, length);
        Succeed(op);
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(PhysicalKey key, CancellationToken cancellationToken)
        => IsObserved ? DeleteObservedAsync(key, cancellationToken) : _inner.DeleteAsync(key, cancellationToken);

    private async ValueTask<bool> DeleteObservedAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var op = Start(StorageDiagnostics.OperationDelete, DeleteActivity, key.ScopePrefix);
        bool removed;
        try
        {
            removed = await _inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Fail(op, ex, cancellationToken))
        {
            throw;
        }

        Succeed(op);
        return removed;
    }

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(PhysicalKey key, CancellationToken cancellationToken)
        => IsObserved ? ExistsObservedAsync(key, cancellationToken) : _inner.ExistsAsync(key, cancellationToken);

    private async ValueTask<bool> ExistsObservedAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var op = Start(StorageDiagnostics.OperationExists, ExistsActivity, key.ScopePrefix);
        bool exists;
        try
        {
            exists = await _inner.ExistsAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Fail(op, ex, cancellationToken))
        {
            throw;
        }

        Succeed(op);
        return exists;
    }

    /// <inheritdoc />
    public ValueTask<TimeSpan?> GetTimeToLiveAsync(PhysicalKey key, CancellationToken cancellationToken)
        => IsObserved ? GetTimeToLiveObservedAsync(key, cancellationToken) : _inner.GetTimeToLiveAsync(key, cancellationToken);

    private async ValueTask<TimeSpan?> GetTimeToLiveObservedAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var op = Start(StorageDiagnostics.OperationGetTimeToLive, TtlActivity, key.ScopePrefix);
        TimeSpan? left;
        try
        {
            left = await _inner.GetTimeToLiveAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Fail(op, ex, cancellationToken))
        {
            throw;
        }

        Succeed(op);
        return left;
    }

    /// <inheritdoc />
    /// <remarks>One listing is one operation: its duration runs from the first request to the last key (or until the consumer stops early).</remarks>
    public IAsyncEnumerable<string> ListKeysAsync(KeyQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return IsObserved ? ListKeysObservedAsync(query, cancellationToken) : _inner.ListKeysAsync(query, cancellationToken);
    }

    private async IAsyncEnumerable<string> ListKeysObservedAsync(KeyQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var op = Start(StorageDiagnostics.OperationListKeys, ListKeysActivity, query.ScopePrefix);
        long count = 0;
        var finished = false;
        IAsyncEnumerator<string>? keys = null;
        try
        {
            try
            {
                keys = _inner.ListKeysAsync(query, cancellationToken).GetAsyncEnumerator(cancellationToken);
            }
            catch (Exception ex) when (Fail(op, ex, cancellationToken, ref finished))
            {
                throw;
            }

            while (true)
            {
                bool more;
                try
                {
                    more = await keys.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (Fail(op, ex, cancellationToken, ref finished))
                {
                    throw;
                }

                if (!more)
                {
                    break;
                }

                count++;
                yield return keys.Current;
            }
        }
        finally
        {
            if (keys is not null)
            {
                await keys.DisposeAsync().ConfigureAwait(false);
            }

            if (!finished)
            {
                // Completed, or the consumer stopped early: either way the listing did not fail.
                op.Activity?.SetTag(StorageDiagnostics.KeyCountTagName, count);
                Succeed(op);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<long> DeleteKeysAsync(KeyQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return IsObserved ? DeleteKeysObservedAsync(query, cancellationToken) : _inner.DeleteKeysAsync(query, cancellationToken);
    }

    private async ValueTask<long> DeleteKeysObservedAsync(KeyQuery query, CancellationToken cancellationToken)
    {
        var op = Start(StorageDiagnostics.OperationDeleteKeys, DeleteKeysActivity, query.ScopePrefix);
        long removed;
        try
        {
            removed = await _inner.DeleteKeysAsync(query, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Fail(op, ex, cancellationToken))
        {
            throw;
        }

        op.Activity?.SetTag(StorageDiagnostics.KeyCountTagName, removed);
        Succeed(op);
        return removed;
    }

    /// <inheritdoc />
    public ValueTask<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken)
        => IsObserved ? CheckHealthObservedAsync(cancellationToken) : _inner.CheckHealthAsync(cancellationToken);

    private async ValueTask<StorageHealth> CheckHealthObservedAsync(CancellationToken cancellationToken)
    {
        var op = Start(StorageDiagnostics.OperationHealth, HealthActivity, scopePrefix: string.Empty);
        StorageHealth health;
        try
        {
            health = await _inner.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Fail(op, ex, cancellationToken))
        {
            throw;
        }

        if (!health.IsHealthy)
        {
            op.Activity?.SetStatus(ActivityStatusCode.Error, health.Description);
        }

        Succeed(op);
        return health;
    }

    /// <summary>Disposes the inner backend, then the meter if this decorator created it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (_ownsMeter)
            {
                _meter.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"instrumented {_backendName} backend";

    private static Meter CreateMeter(IMeterFactory? meterFactory)
        => meterFactory is null
            ? new Meter(StorageDiagnostics.MeterName, LibraryVersion)
            : meterFactory.Create(new MeterOptions(StorageDiagnostics.MeterName) { Version = LibraryVersion });

    private Operation Start(string operation, string activityName, string scopePrefix)
    {
        var activity = Source.StartActivity(activityName, ActivityKind.Client);
        var pluginId = scopePrefix.Length == 0 || (activity is null && !_includePluginIdTag) ? null : PluginIdOf(scopePrefix);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(StorageDiagnostics.OperationTagName, operation);
            activity.SetTag(StorageDiagnostics.BackendTagName, _backendName);
            activity.SetTag(StorageDiagnostics.DbSystemTagName, _backendName);
            activity.SetTag(StorageDiagnostics.DbOperationTagName, operation);
            if (pluginId is not null)
            {
                activity.SetTag(StorageDiagnostics.PluginIdTagName, pluginId);
            }
        }

        var started = _duration.Enabled ? Stopwatch.GetTimestamp() : 0;
        return new Operation(operation, _includePluginIdTag ? pluginId : null, activity, started);
    }

    private void Succeed(in Operation op)
    {
        var tags = Tags(op, errorType: null);
        _operations.Add(1, tags);
        if (op.Started != 0)
        {
            _duration.Record(Stopwatch.GetElapsedTime(op.Started).TotalSeconds, tags);
        }

        op.Activity?.Dispose();
    }

    private bool Fail(in Operation op, Exception exception, CancellationToken cancellationToken)
    {
        var finished = false;
        return Fail(op, exception, cancellationToken, ref finished);
    }

    // Records a failure and returns false, so that it runs as an exception filter and the exception passes untouched.
    private bool Fail(in Operation op, Exception exception, CancellationToken cancellationToken, ref bool finished)
    {
        finished = true;
        var errorType = exception.GetType().FullName ?? exception.GetType().Name;
        var cancelled = exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
        var tags = Tags(op, errorType);
        _operations.Add(1, tags);
        if (op.Started != 0)
        {
            _duration.Record(Stopwatch.GetElapsedTime(op.Started).TotalSeconds, tags);
        }

        if (!cancelled)
        {
            _errors.Add(1, tags);
        }

        if (op.Activity is { } activity)
        {
            activity.SetTag(StorageDiagnostics.ErrorTypeTagName, errorType);
            if (!cancelled)
            {
                activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            }

            activity.Dispose();
        }

        return false;
    }

    private void RecordValueSize(in Operation op, int length)
    {
        if (_valueSize.Enabled)
        {
            _valueSize.Record(length, Tags(op, errorType: null));
        }
    }

    private TagList Tags(in Operation op, string? errorType)
    {
        var tags = new TagList
        {
            { StorageDiagnostics.OperationTagName, op.Name },
            { StorageDiagnostics.BackendTagName, _backendName },
        };
        if (op.PluginId is not null)
        {
            tags.Add(StorageDiagnostics.PluginIdTagName, op.PluginId);
        }

        if (errorType is not null)
        {
            tags.Add(StorageDiagnostics.ErrorTypeTagName, errorType);
        }

        return tags;
    }

    // "pluginId:" -> "pluginId", cached so that a tagged hot path does not allocate a string per call.
    private string PluginIdOf(string scopePrefix)
    {
        if (_pluginIds.TryGetValue(scopePrefix, out var id))
        {
            return id;
        }

        id = scopePrefix[^1] == StorageValidation.ScopeSeparator ? scopePrefix[..^1] : scopePrefix;
        if (_pluginIds.Count < MaxCachedPluginIds)
        {
            _pluginIds.TryAdd(scopePrefix, id);
        }

        return id;
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly record struct Operation(string Name, string? PluginId, Activity? Activity, long Started);
}
