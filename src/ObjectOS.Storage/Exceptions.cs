namespace ObjectOS.Storage;

/// <summary>Base type of the storage errors that are not argument errors.</summary>
public class StorageException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public StorageException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public StorageException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>The backend cannot be reached or did not answer in time; the operation did not take effect.</summary>
public sealed class StorageUnavailableException : StorageException
{
    /// <summary>Creates the exception with a message and its cause.</summary>
    public StorageUnavailableException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>A new key was refused because the backend's key limit is reached; nothing was stored.</summary>
public sealed class StorageQuotaExceededException : StorageException
{
    /// <summary>Creates the exception for a limit of <paramref name="maxKeys"/> keys.</summary>
    public StorageQuotaExceededException(long maxKeys)
        : base($"Storage limit reached: the store already holds its maximum of {maxKeys} live keys. Delete keys or raise MaxKeys.")
        => MaxKeys = maxKeys;

    /// <summary>The configured limit.</summary>
    public long MaxKeys { get; }
}

/// <summary>The caller tried to use a scope or the root store that it was not granted.</summary>
public sealed class StorageAccessDeniedException : StorageException
{
    /// <summary>Creates the exception with a message naming the caller and the target.</summary>
    public StorageAccessDeniedException(string message) : base(message) { }
}

/// <summary>A value could not be serialized to JSON, or stored JSON could not be read as the requested type.</summary>
public sealed class StorageSerializationException : StorageException
{
    /// <summary>Creates the exception with a message and its cause.</summary>
    public StorageSerializationException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A serialized value is larger than the configured maximum; nothing was stored.</summary>
public sealed class StorageValueTooLargeException : StorageException
{
    /// <summary>Creates the exception for a value of <paramref name="size"/> bytes against a limit of <paramref name="maxSize"/>.</summary>
    public StorageValueTooLargeException(string key, long size, long maxSize)
        : base($"Value for key '{key}' is {size} bytes of JSON, more than the maximum of {maxSize} bytes (StoragePluginOptions.MaxValueBytes).")
    {
        Size = size;
        MaxSize = maxSize;
    }

    /// <summary>The serialized size in bytes.</summary>
    public long Size { get; }

    /// <summary>The configured limit in bytes.</summary>
    public long MaxSize { get; }
}

/// <summary>A backend could not start: a bad path, a file that is not a database, an incompatible schema, bad credentials.</summary>
public sealed class StorageConfigurationException : StorageException
{
    /// <summary>Creates the exception with a message naming the resource and the problem.</summary>
    public StorageConfigurationException(string message, Exception? innerException = null) : base(message, innerException) { }
}
