using Microsoft.Extensions.Diagnostics.HealthChecks;
using ObjectOS.Storage;
using ObjectOS.Storage.Hosting;

// Health-check registration extensions conventionally live in the dependency-injection namespace, so they show up without a using.
#pragma warning disable IDE0130
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the ObjectOS storage health check to ASP.NET Core or generic-host health checks.</summary>
public static class ObjectOSStorageHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="StorageHealthCheck"/> of the <see cref="StoragePlugin"/> registered by <c>AddObjectOSStorage</c>.
    /// </summary>
    /// <param name="builder">The health checks builder from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name; default <see cref="StorageHealthCheck.DefaultName"/>.</param>
    /// <param name="failureStatus">The status reported when the backend is unhealthy; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by, e.g. <c>ready</c>.</param>
    /// <param name="timeout">How long a probe may take; default <see cref="StorageHealthCheck.DefaultTimeout"/>.</param>
    /// <returns>The builder, for further checks.</returns>
    public static IHealthChecksBuilder AddObjectOSStorageCheck(
        this IHealthChecksBuilder builder,
        string name = StorageHealthCheck.DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => new StorageHealthCheck(sp.GetRequiredService<StoragePlugin>()),
            failureStatus,
            tags,
            timeout ?? StorageHealthCheck.DefaultTimeout));
    }
}
