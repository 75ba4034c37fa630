namespace ObjectOS.Storage.Hosting;

/// <summary>Which backend the hosted storage runs on.</summary>
public enum StorageBackendKind
{
    /// <summary>The in-process <see cref="MemoryStorageBackend"/>: fast, lost at restart. The default.</summary>
    Memory = 0,

    /// <summary>The embedded SQLite file backend (<c>ObjectOS.Storage.Sqlite</c>): durable on one machine.</summary>
    Sqlite = 1,

    /// <summary>The Redis backend (<c>ObjectOS.Storage.Redis</c>): shared by several processes or machines.</summary>
    Redis = 2,

    /// <summary>A backend of the application's own, given with <see cref="ObjectOSStorageBuilder.UseBackend"/>; not selectable from configuration alone.</summary>
    Custom = 3,
}

/// <summary>
/// The hosting settings of ObjectOS storage, bound from the <c>Storage</c> configuration section: which backend,
/// the limits of <see cref="StoragePluginOptions"/>, start-up behaviour and metrics. Backend settings live in the
/// sub-sections <c>Memory</c>, <c>Sqlite</c> and <c>Redis</c>.
/// </summary>
public sealed class ObjectOSStorageOptions
{
    /// <summary>The conventional configuration section: <c>Storage</c>.</summary>
    public const string SectionName = "Storage";

    /// <summary>The sub-section holding <see cref="MemoryStorageOptions"/>.</summary>
    public const string MemorySectionName = "Memory";

    /// <summary>The sub-section holding <c>SqliteStorageOptions</c>.</summary>
    public const string SqliteSectionName = "Sqlite";

    /// <summary>The sub-section holding <c>RedisStorageOptions</c>.</summary>
    public const string RedisSectionName = "Redis";

    /// <summary>The sub-section holding <see cref="Metrics"/>.</summary>
    public const string MetricsSectionName = "Metrics";

    /// <summary>Which backend to use; default <see cref="StorageBackendKind.Memory"/>. Configuration: <c>"Backend": "Sqlite"</c>.</summary>
    public StorageBackendKind Backend { get; set; } = StorageBackendKind.Memory;

    /// <summary>Overrides <see cref="StoragePluginOptions.PluginName"/> when set.</summary>
    public string? PluginName { get; set; }

    /// <summary>Overrides <see cref="StoragePluginOptions.ServiceName"/> when set.</summary>
    public string? ServiceName { get; set; }

    /// <summary>Overrides <see cref="StoragePluginOptions.MaxKeyLength"/> when set.</summary>
    public int? MaxKeyLength { get; set; }

    /// <summary>Overrides <see cref="StoragePluginOptions.MaxValueBytes"/> when set.</summary>
    public int? MaxValueBytes { get; set; }

    /// <summary>
    /// Whether the host opens the backend when it starts, so that a bad path, bad credentials or an unreachable server
    /// stop the application at once with the backend's typed exception; default <see langword="true"/>. When
    /// <see langword="false"/> the backend opens on first use and the health check reports whether it can.
    /// </summary>
    public bool InitializeOnStart { get; set; } = true;

    /// <summary>Metrics and tracing settings.</summary>
    public StorageMetricsOptions Metrics { get; set; } = new();
}

/// <summary>Metrics and tracing of the hosted storage (see <see cref="Diagnostics.StorageDiagnostics"/> for the names).</summary>
public sealed class StorageMetricsOptions
{
    /// <summary>Whether the backend is wrapped in an <see cref="Diagnostics.InstrumentedStorageBackend"/>; default <see langword="true"/>. It costs nothing measurable while no listener subscribes.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether metrics carry the plugin id tag; default <see langword="false"/> to bound the number of time series.</summary>
    public bool IncludePluginIdTag { get; set; }
}
