using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Dilemma.Gateway.Errors;

/// <summary>A body field spelled as one of the request's own fields in another style: choiceSeconds for choice_seconds.</summary>
public sealed class MisnamedFieldException(string field, string meant)
    : JsonException($"{field} is not a field of this request; the field is {meant} (fields are snake_case).")
{
    public string Field { get; } = field;

    public string Meant { get; } = meant;
}

/// <summary>
/// Unknown body fields stay ignored, as the original backend's models ignored them (pydantic's default), so a front end
/// written for it keeps working. One kind is refused: a field that is one of the request's own spelled in camel or
/// Pascal case, or with hyphens. Ignored, it changes what the request does without a word (choiceSeconds made a room
/// without its timer), and no client means anything else by it.
/// </summary>
public static class MisnamedFields
{
    // Not a name any body can have, so it matches no field; an extension-data property's own name is never read or written.
    private const string CatcherName = "\0misnamed";

    /// <summary>A <see cref="JsonTypeInfo"/> modifier: every object type with snake_case fields learns their other spellings.</summary>
    public static void Refuse(JsonTypeInfo typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (typeInfo.Kind != JsonTypeInfoKind.Object || typeInfo.Properties.Any(p => p.IsExtensionData))
        {
            return;
        }

        var fieldsByLooseName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in typeInfo.Properties.Where(p => p.Name.Contains('_', StringComparison.Ordinal)))
        {
            fieldsByLooseName.TryAdd(Loose(property.Name), property.Name);
        }

        if (fieldsByLooseName.Count == 0)
        {
            return;
        }

        // Unknown fields go to the extension data, and this "dictionary" keeps none of them: it throws for a misspelled
        // field and drops the rest, so one shared instance serves every request, and a response writes nothing from it.
        var catcher = new Catcher(fieldsByLooseName);
        var extension = typeInfo.CreateJsonPropertyInfo(typeof(Catcher), CatcherName);
        extension.IsExtensionData = true;
        extension.Get = _ => catcher;
        extension.Set = static (_, _) => { };
        typeInfo.Properties.Add(extension);
    }

    private static string Loose(string name) =>
        string.Concat(name.Where(c => c is not ('_' or '-')).Select(char.ToLowerInvariant));

    private sealed class Catcher(Dictionary<string, string> fieldsByLooseName) : IDictionary<string, JsonElement>
    {
        public JsonElement this[string key]
        {
            get => throw new KeyNotFoundException(key);
            set => Add(key, value);
        }

        public ICollection<string> Keys => [];

        public ICollection<JsonElement> Values => [];

        public int Count => 0;

        public bool IsReadOnly => false;

        public void Add(string key, JsonElement value)
        {
            // Case alone is not a misspelling here: the reader already matches fields regardless of case.
            if (fieldsByLooseName.TryGetValue(Loose(key), out var meant) && !string.Equals(key, meant, StringComparison.OrdinalIgnoreCase))
            {
                throw new MisnamedFieldException(key, meant);
            }
        }

        public void Add(KeyValuePair<string, JsonElement> item) => Add(item.Key, item.Value);

        public bool ContainsKey(string key) => false;

        public bool Contains(KeyValuePair<string, JsonElement> item) => false;

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out JsonElement value)
        {
            value = default;
            return false;
        }

        public bool Remove(string key) => false;

        public bool Remove(KeyValuePair<string, JsonElement> item) => false;

        public void Clear()
        {
        }

        public void CopyTo(KeyValuePair<string, JsonElement>[] array, int arrayIndex)
        {
        }

        public IEnumerator<KeyValuePair<string, JsonElement>> GetEnumerator() => Enumerable.Empty<KeyValuePair<string, JsonElement>>().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
