using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ObjectOS.Storage;

/// <summary>Turns values into UTF-8 JSON snapshots and back, wrapping failures in <see cref="StorageSerializationException"/>.</summary>
internal sealed class StorageSerializer(JsonSerializerOptions options, int maxValueBytes)
{
    internal const string ReflectionWarning =
        "Reflection-based JSON serialization may need types that trimming removes; use the JsonTypeInfo<T> overload for trimmed or AOT apps.";

    public JsonSerializerOptions Options { get; } = options;

    [RequiresUnreferencedCode(ReflectionWarning)]
    [RequiresDynamicCode(ReflectionWarning)]
    public byte[] Serialize<T>(string key, T value)
    {
        byte[] bytes;
        try
        {
            bytes = JsonSerializer.SerializeToUtf8Bytes(value, Options);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw SerializeFailed(key, typeof(T), ex);
        }

        return CheckSize(key, bytes);
    }

    public byte[] Serialize<T>(string key, T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        byte[] bytes;
        try
        {
            bytes = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw SerializeFailed(key, typeof(T), ex);
        }

        return CheckSize(key, bytes);
    }

    public byte[] CopyValidatedJson(string key, ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
        {
            throw new ArgumentException("The value must be a UTF-8 JSON document; it is empty.", nameof(utf8Json));
        }

        if (utf8Json.Length > maxValueBytes)
        {
            throw new StorageValueTooLargeException(key, utf8Json.Length, maxValueBytes);
        }

        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The value for key '{key}' is not a valid UTF-8 JSON document: {ex.Message}", nameof(utf8Json), ex);
        }

        return utf8Json.ToArray();
    }

    [RequiresUnreferencedCode(ReflectionWarning)]
    [RequiresDynamicCode(ReflectionWarning)]
    public T? Deserialize<T>(string key, ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(utf8Json, Options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw DeserializeFailed(key, typeof(T), ex);
        }
    }

    public static T? Deserialize<T>(string key, ReadOnlySpan<byte> utf8Json, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        try
        {
            return JsonSerializer.Deserialize(utf8Json, typeInfo);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw DeserializeFailed(key, typeof(T), ex);
        }
    }

    private byte[] CheckSize(string key, byte[] bytes)
        => bytes.Length > maxValueBytes ? throw new StorageValueTooLargeException(key, bytes.Length, maxValueBytes) : bytes;

    private static StorageSerializationException SerializeFailed(string key, Type type, Exception ex)
        => new($"Value of type {type.FullName} for key '{key}' cannot be serialized to JSON; nothing was stored. {ex.Message}", ex);

    private static StorageSerializationException DeserializeFailed(string key, Type type, Exception ex)
        => new($"Value of key '{key}' cannot be read as {type.FullName}: {ex.Message}", ex);
}
