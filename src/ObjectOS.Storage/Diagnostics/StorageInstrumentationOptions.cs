namespace ObjectOS.Storage.Diagnostics;

/// <summary>Settings of an <see cref="InstrumentedStorageBackend"/>.</summary>
public sealed class StorageInstrumentationOptions
{
    /// <summary>
    /// Whether metrics carry the <see cref="StorageDiagnostics.PluginIdTagName"/> tag. Off by default: each plugin
    /// multiplies the number of time series, so turn it on only when the set of plugins is small and known.
    /// Spans always carry the plugin id.
    /// </summary>
    public bool IncludePluginIdTag { get; set; }
}
