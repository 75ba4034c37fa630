using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ObjectOS.Storage.Redis;
using ObjectOS.Storage.Sqlite;

namespace ObjectOS.Storage.Hosting;

/// <summary>
/// Validates the hosting options and, through them, the options of the selected backend only, so that a bad
/// setting stops the host at start-up with every problem listed at once.
/// </summary>
internal sealed class ObjectOSStorageOptionsValidator(IServiceProvider services) : IValidateOptions<ObjectOSStorageOptions>
{
    public const string CustomWithoutFactory =
        "Storage backend 'Custom' needs a backend factory: call AddObjectOSStorage(...).UseBackend(factory), or choose Memory, Sqlite or Redis.";

    public ValidateOptionsResult Validate(string? name, ObjectOSStorageOptions options)
    {
        var failures = new List<string>();
        if (options.PluginName is { } pluginName && string.IsNullOrWhiteSpace(pluginName))
        {
            failures.Add("Storage:PluginName must not be blank.");
        }

        if (options.ServiceName is { } serviceName && string.IsNullOrWhiteSpace(serviceName))
        {
            failures.Add("Storage:ServiceName must not be blank.");
        }

        if (options.MaxKeyLength is { } maxKeyLength and (<= 0 or > 65_536))
        {
            failures.Add($"Storage:MaxKeyLength is {maxKeyLength}; it must be between 1 and 65536.");
        }

        if (options.MaxValueBytes is { } maxValueBytes and <= 0)
        {
            failures.Add($"Storage:MaxValueBytes is {maxValueBytes}; it must be positive.");
        }

        if (options.Metrics is null)
        {
            failures.Add("Storage:Metrics must not be null.");
        }

        switch (options.Backend)
        {
            case StorageBackendKind.Memory:
                Probe<MemoryStorageOptions>(failures);
                break;
            case StorageBackendKind.Sqlite:
                Probe<SqliteStorageOptions>(failures);
                break;
            case StorageBackendKind.Redis:
                Probe<RedisStorageOptions>(failures);
                break;
            case StorageBackendKind.Custom:
                if (services.GetService<CustomBackendFactory>() is null)
                {
                    failures.Add(CustomWithoutFactory);
                }

                break;
            default:
                failures.Add($"Storage:Backend is '{options.Backend}', which is not a storage backend; use one of: Memory, Sqlite, Redis.");
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Builds the selected backend's options now, collecting what binding, setters and validators reject.
    private void Probe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(List<string> failures) where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            failures.Add($"{typeof(T).Name}: {ex.Message}");
        }
    }
}

/// <summary>Applies the limits set in the hosting options (and so in configuration) to <see cref="StoragePluginOptions"/>.</summary>
internal sealed class StoragePluginOptionsSetup(IOptions<ObjectOSStorageOptions> hosting) : IConfigureOptions<StoragePluginOptions>
{
    public void Configure(StoragePluginOptions options)
    {
        var source = hosting.Value;
        if (source.PluginName is { } pluginName)
        {
            options.PluginName = pluginName;
        }

        if (source.ServiceName is { } serviceName)
        {
            options.ServiceName = serviceName;
        }

        if (source.MaxKeyLength is { } maxKeyLength)
        {
            options.MaxKeyLength = maxKeyLength;
        }

        if (source.MaxValueBytes is { } maxValueBytes)
        {
            options.MaxValueBytes = maxValueBytes;
        }
    }
}

/// <summary>Gives the backends the application's <see cref="TimeProvider"/> when one is registered (tests register a fake one). Redis keeps time on the server..</summary>
internal sealed class TimeProviderSetup(IServiceProvider services) :
    IConfigureOptions<MemoryStorageOptions>,
    IConfigureOptions<SqliteStorageOptions>
{
    private TimeProvider? Registered => services.GetService<TimeProvider>();

    public void Configure(MemoryStorageOptions options)
    {
        if (Registered is { } time)
        {
            options.TimeProvider = time;
        }
    }

    public void Configure(SqliteStorageOptions options)
    {
        if (Registered is { } time)
        {
            options.TimeProvider = time;
        }
    }
}
