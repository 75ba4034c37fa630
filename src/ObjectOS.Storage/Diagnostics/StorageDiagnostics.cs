namespace ObjectOS.Storage.Diagnostics;

/// <summary>
/// The names under which ObjectOS.Storage publishes metrics (<see cref="System.Diagnostics.Metrics.Meter"/>) and traces
/// (<see cref="System.Diagnostics.ActivitySource"/>), so that OpenTelemetry and dashboards can subscribe by constant
/// instead of by string literal. Recorded by <see cref="InstrumentedStorageBackend"/>.
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddOpenTelemetry()
///     .WithMetrics(m => m.AddMeter(StorageDiagnostics.MeterName))
///     .WithTracing(t => t.AddSource(StorageDiagnostics.ActivitySourceName));
/// </code>
/// </example>
public static class StorageDiagnostics
{
    /// <summary>The name of the meter that owns every storage instrument.</summary>
    public const string MeterName = "ObjectOS.Storage";

    /// <summary>The name of the activity source that starts one span per backend operation.</summary>
    public const string ActivitySourceName = "ObjectOS.Storage";

    /// <summary>Counter of backend operations (unit <c>{operation}</c>), failed ones included; tagged with operation, backend and, on failure, error type.</summary>
    public const string OperationsInstrumentName = "objectos.storage.operations";

    /// <summary>Histogram of backend operation durations in seconds (unit <c>s</c>); tagged like <see cref="OperationsInstrumentName"/>.</summary>
    public const string OperationDurationInstrumentName = "objectos.storage.operation.duration";

    /// <summary>Counter of failed backend operations (unit <c>{error}</c>), tagged with operation, backend and error type. Cancellation by the caller is not an error.</summary>
    public const string ErrorsInstrumentName = "objectos.storage.errors";

    /// <summary>Histogram of the sizes of values written (<see cref="OperationSet"/>) and read (<see cref="OperationGet"/> hits), in bytes (unit <c>By</c>).</summary>
    public const string ValueSizeInstrumentName = "objectos.storage.value.size";

    /// <summary>Tag naming the operation: one of the <c>Operation*</c> constants of this class.</summary>
    public const string OperationTagName = "storage.operation";

    /// <summary>Tag naming the backend: <see cref="IStorageBackend.Name"/>, e.g. <c>memory</c>, <c>sqlite</c>, <c>redis</c>.</summary>
    public const string BackendTagName = "storage.backend";

    /// <summary>
    /// Tag naming the plugin scope an operation touched (absent for the root store). Always set on spans; on metrics only
    /// when <see cref="StorageInstrumentationOptions.IncludePluginIdTag"/> is on, because every plugin multiplies the series.
    /// </summary>
    public const string PluginIdTagName = "storage.plugin_id";

    /// <summary>Tag naming the failure: the full type name of the exception (OpenTelemetry's <c>error.type</c>).</summary>
    public const string ErrorTypeTagName = "error.type";

    /// <summary>Span tag carrying the number of keys listed (<see cref="OperationListKeys"/>) or deleted (<see cref="OperationDeleteKeys"/>).</summary>
    public const string KeyCountTagName = "storage.key_count";

    /// <summary>Span tag carrying the backend as OpenTelemetry's database convention names it (<c>db.system.name</c>).</summary>
    public const string DbSystemTagName = "db.system.name";

    /// <summary>Span tag carrying the operation as OpenTelemetry's database convention names it (<c>db.operation.name</c>).</summary>
    public const string DbOperationTagName = "db.operation.name";

    /// <summary>The prefix of every span name: a span is named <c>objectos.storage.&lt;operation&gt;</c>, e.g. <c>objectos.storage.get</c>.</summary>
    public const string ActivityNamePrefix = "objectos.storage.";

    /// <summary>Operation: opening the backend (<see cref="IStorageBackend.InitializeAsync"/>).</summary>
    public const string OperationInitialize = "initialize";

    /// <summary>Operation: reading one value (<see cref="IStorageBackend.GetAsync"/>).</summary>
    public const string OperationGet = "get";

    /// <summary>Operation: writing one value (<see cref="IStorageBackend.SetAsync"/>).</summary>
    public const string OperationSet = "set";

    /// <summary>Operation: deleting one key (<see cref="IStorageBackend.DeleteAsync"/>).</summary>
    public const string OperationDelete = "delete";

    /// <summary>Operation: testing whether a key exists (<see cref="IStorageBackend.ExistsAsync"/>).</summary>
    public const string OperationExists = "exists";

    /// <summary>Operation: reading a key's remaining time to live (<see cref="IStorageBackend.GetTimeToLiveAsync"/>).</summary>
    public const string OperationGetTimeToLive = "ttl";

    /// <summary>Operation: one whole key listing, from first to last key streamed (<see cref="IStorageBackend.ListKeysAsync"/>).</summary>
    public const string OperationListKeys = "list_keys";

    /// <summary>Operation: deleting the keys of a query, e.g. clearing a scope (<see cref="IStorageBackend.DeleteKeysAsync"/>).</summary>
    public const string OperationDeleteKeys = "delete_keys";

    /// <summary>Operation: a health probe (<see cref="IStorageBackend.CheckHealthAsync"/>).</summary>
    public const string OperationHealth = "health";
}
