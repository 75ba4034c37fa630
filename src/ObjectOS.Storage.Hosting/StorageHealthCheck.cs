using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ObjectOS.Storage.Hosting;

/// <summary>
/// A health check over <see cref="StoragePlugin.CheckHealthAsync"/>: it asks the backend whether it can serve
/// requests (opening it if needed) and writes no key a user could see. Register it with
/// <see cref="ObjectOSStorageHealthChecksBuilderExtensions.AddObjectOSStorageCheck"/>.
/// </summary>
public sealed class StorageHealthCheck : IHealthCheck
{
    /// <summary>The default name of the check in health reports.</summary>
    public const string DefaultName = "objectos-storage";

    /// <summary>The default time a probe may take before the check reports failure: 5 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The health-report data entry naming the backend.</summary>
    public const string BackendDataKey = "backend";

    private readonly StoragePlugin _storage;

    /// <summary>Creates a check of <paramref name="storage"/>.</summary>
    public StorageHealthCheck(StoragePlugin storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var backend = _storage.Backend.Name;
        StorageHealth health;
        try
        {
            health = await _storage.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{backend} storage is closed (the host is stopping).", ex,
                new Dictionary<string, object> { [BackendDataKey] = backend });
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal) { [BackendDataKey] = backend };
        if (health.Data is not null)
        {
            foreach (var (key, value) in health.Data)
            {
                data[key] = value;
            }
        }

        return health.IsHealthy
            ? HealthCheckResult.Healthy(health.Description, data)
            : new HealthCheckResult(context.Registration.FailureStatus, health.Description, exception: null, data);
    }
}
