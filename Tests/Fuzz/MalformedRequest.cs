using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using CsCheck;

namespace Dilemma.Tests.Fuzz;

/// <summary>
/// The generated ingredients of one hostile request: which operation, and how its path, query,
/// body and credentials are spoiled. Plain numbers and a string, so CsCheck can shrink a failing
/// case and print it; <see cref="Build"/> turns it into the request, the same way every time.
/// </summary>
public sealed record MalformedRequest(int Operation, int PathKind, int QueryKind, int BodyKind, int AuthKind, int Size, string Text, int Salt)
{
    public const int PathKinds = 10;
    public const int QueryKinds = 8;
    public const int BodyKinds = 14;
    public const int AuthKinds = 4;

    /// <summary>Bodies up to and past the gateway's 64 KiB limit.</summary>
    public const int MaxSize = 70_000;

    // Kestrel refuses a request line over 8 KiB itself (414, no body), before any of the gateway's
    // code runs; huge path segments and query values stay under it together, so the answer is the gateway's.
    private const int MaxSegment = 3_000;
    private const int MaxQuery = 4_000;

    public static Gen<MalformedRequest> Generator(int operations) => Gen.Select(
        Gen.Int[0, operations - 1],
        Gen.Int[0, PathKinds - 1],
        Gen.Int[0, QueryKinds - 1],
        Gen.Int[0, BodyKinds - 1],
        Gen.Int[0, AuthKinds - 1],
        Gen.Int[0, MaxSize],
        Gen.String[0, 40],
        Gen.Int,
        (operation, path, query, body, auth, size, text, salt) => new MalformedRequest(operation, path, query, body, auth, size, text, salt));

    /// <summary>The request for this case against <paramref name="operation"/>; <paramref name="context"/> supplies a real token and room.</summary>
    public HttpRequestMessage Build(ApiOperation operation, FuzzContext context)
    {
        var path = new StringBuilder();
        foreach (var segment in operation.Path.Split('/'))
        {
            if (path.Length > 0 || segment.Length > 0)
            {
                path.Append('/');
            }

            path.Append(segment.StartsWith('{') ? PathValue(context) : segment);
        }

        var query = Query(operation);
        var request = new HttpRequestMessage(new HttpMethod(operation.Method), new Uri(context.BaseAddress, path + query));
        request.Content = Body(operation);
        switch (AuthKind)
        {
            case 1:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", context.AccessToken);
                break;
            case 2:
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Garbage(Size % 600));
                break;
            case 3:
                request.Headers.TryAddWithoutValidation("Authorization", Salt % 2 == 0 ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Text)) : "Bearer");
                break;
        }

        return request;
    }

    public string Describe(ApiOperation operation) =>
        $"{operation} path#{PathKind} query#{QueryKind} body#{BodyKind} auth#{AuthKind} size {Size} text \"{Text}\" salt {Salt}";

    private string PathValue(FuzzContext context) => PathKind switch
    {
        0 => context.RoomCode,
        1 => "12345",
        2 => "abcdef",
        3 => new string('9', 1 + (Size % MaxSegment)),
        4 => Uri.EscapeDataString("방" + Text + "é"),
        5 => Uri.EscapeDataString(Text.Length == 0 ? " " : Text),
        6 => "%2F%2e%2e%3F%23",
        7 => "-1",
        8 => "0" + new string('1', 5) + "%20",
        _ => "%E2%82",
    };

    private string Query(ApiOperation operation)
    {
        var query = operation.Parameters.Where(p => p.In == "query").ToList();
        var pairs = new List<string>();
        foreach (var parameter in query)
        {
            var value = QueryKind switch
            {
                0 => parameter.Type is "integer" or "number" ? "1" : "care-robot-monitoring",
                1 => parameter.Type is "integer" or "number" ? "abc" : "1",
                2 => "99999999999999999999999999",
                3 => "-2147483649",
                4 => new string('x', 1 + (Size % (MaxQuery / query.Count))),
                5 => string.Empty,
                6 => Uri.EscapeDataString(Text),
                _ => "%ZZ",
            };
            pairs.Add($"{parameter.Name}={value}");
            if (QueryKind is 6 or 7 || Salt % 3 == 0)
            {
                // Repeated keys: a binder that expects one value gets two.
                pairs.Add($"{parameter.Name}={(Salt % 2 == 0 ? "2" : "two")}");
            }
        }

        if (Salt % 5 == 0)
        {
            pairs.Add("unknown_parameter=" + Uri.EscapeDataString(Text));
        }

        return pairs.Count == 0 ? string.Empty : "?" + string.Join('&', pairs);
    }

    private HttpContent? Body(ApiOperation operation)
    {
        var properties = operation.Body ?? [];
        string? json = BodyKind switch
        {
            0 => null,
            1 => string.Empty,
            2 => Text.Length == 0 ? "{" : Text,
            3 => Object(properties.Select(p => (p.Name, WrongType(p)))),
            4 => Object(properties.Select(p => (p.Name, "null"))),
            5 => Object(properties.Select(p => (p.Name, Quote(Garbage(Size))))),
            6 => Nested(1 + (Size % 3000)),
            7 => "[" + Object(properties.Select(p => (p.Name, Plausible(p)))) + "]",
            8 => Object(properties.Select(p => (p.Name, Plausible(p))).Append(("extra_" + (Salt & 0xff), Quote(Text))).Append(("__proto__", "{}"))),
            9 => Object(properties.Select(p => (p.Name, ItemsOf(p)))),
            10 => Salt % 2 == 0 ? "null" : Quote(Text),
            11 => Object(properties.Select(p => (p.Name, Plausible(p)))) + "garbage",
            12 => Object(properties.Where((_, i) => ((Salt >> i) & 1) == 0).Select(p => (p.Name, Plausible(p)))),
            _ => "\"" + new string('a', Size) + "\"",
        };
        if (json is null)
        {
            return null;
        }

        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue((Salt & 7) == 7 ? "text/plain" : "application/json");
        return content;
    }

    // Every JSON type the property is not: strings get numbers, numbers strings, objects arrays, and so on.
    private string WrongType(BodyProperty property)
    {
        var candidates = new[] { ("string", Quote(Text)), ("integer", "12.5e300"), ("number", "-1e999"), ("boolean", "true"), ("array", "[1,\"a\",null]"), ("object", "{\"a\":[]}") }
            .Where(c => !property.Types.Contains(c.Item1))
            .ToArray();
        return candidates[(int)((uint)Salt % candidates.Length)].Item2;
    }

    private string Plausible(BodyProperty property) => property.Types.FirstOrDefault(t => t != "null") switch
    {
        "integer" => (Salt % 7).ToString(CultureInfo.InvariantCulture),
        "number" => "1.5",
        "boolean" => "false",
        "array" => ItemsOf(property),
        "object" => "{}",
        _ => Quote(Text),
    };

    // Lists: null items, empty objects, items with null or wrong-typed members.
    private string ItemsOf(BodyProperty property)
    {
        if (!property.Types.Contains("array"))
        {
            return WrongType(property);
        }

        var item = (Salt & 3) switch
        {
            0 => "null",
            1 => "{}",
            2 => Object(property.ItemProperties.Select(p => (p.Name, "null"))),
            _ => Object(property.ItemProperties.Select(p => (p.Name, WrongType(p)))),
        };
        return "[" + string.Join(',', Enumerable.Repeat(item, 1 + (Size % 4))) + "]";
    }

    private string Nested(int depth) => (Salt & 1) == 0
        ? new string('[', depth) + new string(']', depth)
        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private string Garbage(int length)
    {
        var builder = new StringBuilder(length);
        var seed = (uint)Salt;
        while (builder.Length < length)
        {
            seed = (seed * 1664525) + 1013904223;
            builder.Append((char)('!' + (seed >> 24) % 90));
        }

        return builder.ToString();
    }

    private static string Object(IEnumerable<(string Name, string Json)> members) =>
        "{" + string.Join(',', members.Select(m => $"{Quote(m.Name)}:{m.Json}")) + "}";

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}

/// <summary>What a case needs from the running gateway: its address, a valid token and a room the token's user is in.</summary>
public sealed record FuzzContext(Uri BaseAddress, string AccessToken, string RoomCode);
