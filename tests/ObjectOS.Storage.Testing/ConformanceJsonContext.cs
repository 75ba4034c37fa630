using System.Text.Json;
using System.Text.Json.Serialization;

namespace ObjectOS.Storage.Testing;

/// <summary>Source-generated JSON metadata for the conformance suite's JsonTypeInfo (trimming/AOT) overloads.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StorageConformanceTests.Config))]
internal sealed partial class ConformanceJsonContext : JsonSerializerContext;
