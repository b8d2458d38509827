using System.Text.Json;

namespace Dilemma.Tests.Fuzz;

/// <summary>A property of a request body and the JSON type(s) the document gives it.</summary>
public sealed record BodyProperty(string Name, IReadOnlyList<string> Types, IReadOnlyList<BodyProperty> ItemProperties);

/// <summary>A query or path parameter and the JSON type the document gives it.</summary>
public sealed record OperationParameter(string Name, string In, string Type);

/// <summary>One operation of the OpenAPI document, as much of it as the fuzz test needs.</summary>
public sealed record ApiOperation(string Method, string Path, IReadOnlyList<OperationParameter> Parameters, IReadOnlyList<BodyProperty>? Body)
{
    public bool IsSocket => Path.StartsWith("/ws/", StringComparison.Ordinal);

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>Reads the operations out of the gateway's own OpenAPI document (<c>/openapi/v1.json</c>).</summary>
public static class OpenApiOperations
{
    public static IReadOnlyList<ApiOperation> Read(JsonElement document)
    {
        var schemas = document.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var s) ? s : default;
        var operations = new List<ApiOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Name is not ("get" or "post" or "put" or "delete" or "patch"))
                {
                    continue;
                }

                var parameters = new List<OperationParameter>();
                if (operation.Value.TryGetProperty("parameters", out var list))
                {
                    foreach (var parameter in list.EnumerateArray())
                    {
                        var schema = parameter.TryGetProperty("schema", out var ps) ? Resolve(ps, schemas) : default;
                        parameters.Add(new OperationParameter(parameter.GetProperty("name").GetString()!, parameter.GetProperty("in").GetString()!, TypesOf(schema).FirstOrDefault(t => t != "null") ?? "string"));
                    }
                }

                IReadOnlyList<BodyProperty>? body = null;
                if (operation.Value.TryGetProperty("requestBody", out var requestBody)
                    && requestBody.TryGetProperty("content", out var content)
                    && content.EnumerateObject().FirstOrDefault().Value is { ValueKind: JsonValueKind.Object } media
                    && media.TryGetProperty("schema", out var bodySchema))
                {
                    body = PropertiesOf(NonNull(Resolve(bodySchema, schemas), schemas), schemas, depth: 0);
                }

                operations.Add(new ApiOperation(operation.Name.ToUpperInvariant(), path.Name, parameters, body));
            }
        }

        return operations;
    }

    private static List<BodyProperty> PropertiesOf(JsonElement schema, JsonElement schemas, int depth)
    {
        var properties = new List<BodyProperty>();
        if (depth > 3 || schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var members))
        {
            return properties;
        }

        foreach (var member in members.EnumerateObject())
        {
            var resolved = Resolve(member.Value, schemas);
            var items = resolved.TryGetProperty("items", out var itemSchema) ? PropertiesOf(Resolve(itemSchema, schemas), schemas, depth + 1) : [];
            properties.Add(new BodyProperty(member.Name, TypesOf(resolved), items));
        }

        return properties;
    }

    private static IReadOnlyList<string> TypesOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return ["string"];
        }

        if (schema.TryGetProperty("type", out var type))
        {
            return type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
        }

        // A oneOf/anyOf (nullable references in OpenAPI 3.1): the first branch's type.
        foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema.TryGetProperty(combinator, out var branches) && branches.GetArrayLength() > 0)
            {
                return branches.EnumerateArray().SelectMany(TypesOf).Distinct().ToList();
            }
        }

        return schema.TryGetProperty("properties", out _) ? ["object"] : ["string"];
    }

    private static JsonElement Resolve(JsonElement schema, JsonElement schemas)
    {
        for (var hops = 0; hops < 8 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); hops++)
        {
            var name = reference.GetString()!.Split('/')[^1];
            if (schemas.ValueKind != JsonValueKind.Object || !schemas.TryGetProperty(name, out schema))
            {
                return default;
            }
        }

        return schema;
    }

    // A body the handler declares nullable (an empty body allowed) is described as oneOf/anyOf the
    // object and null: its properties are the object branch's.
    private static JsonElement NonNull(JsonElement schema, JsonElement schemas)
    {
        foreach (var combinator in new[] { "oneOf", "anyOf" })
        {
            if (schema.ValueKind == JsonValueKind.Object && !schema.TryGetProperty("properties", out _) && schema.TryGetProperty(combinator, out var branches))
            {
                foreach (var branch in branches.EnumerateArray())
                {
                    var resolved = Resolve(branch, schemas);
                    if (resolved.ValueKind == JsonValueKind.Object && resolved.TryGetProperty("properties", out _))
                    {
                        return resolved;
                    }
                }
            }
        }

        return schema;
    }
}
