using System.Text.Json;
using CsCheck;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Fuzz;

/// <summary>
/// A real gateway served by Kestrel, with rate limits generous enough for a few thousand requests
/// from one address, a signed-in guest and a room that guest hosts.
/// </summary>
public abstract class ApiFuzzFixture : IAsyncLifetime
{
    public HttpClient Client { get; private set; } = null!;

    public FuzzContext Context { get; private set; } = null!;

    public IReadOnlyList<ApiOperation> Operations { get; private set; } = [];

    protected GatewayFactory? Factory { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Factory = await CreateGatewayAsync(new Dictionary<string, string?>
        {
            ["RateLimits:PasswordConcurrency"] = "64",
            ["RateLimits:PasswordQueue"] = "1000",
            ["RateLimits:AiScenariosPerMinute"] = "10000",

            // Generated bodies sometimes make a valid registration: the cheapest bcrypt cost keeps those quick.
            ["Auth:BcryptWorkFactor"] = "10",
        }, cancellationToken);
        var address = Factory.StartKestrel();
        // No connection is reused: a refused body the server did not read may end the connection after its answer,
        // and a reuse of it would fail on the client's side, not the gateway's.
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        var host = await RoomKit.GuestAsync(Client, cancellationToken);
        var room = RoomKit.Code(await RoomKit.CreateRoomAsync(host, cancellationToken));
        Context = new FuzzContext(address, host.Tokens.AccessToken, room);

        using var document = JsonDocument.Parse(await Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), cancellationToken));
        Operations = OpenApiOperations.Read(document.RootElement);
    }

    public virtual async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }
    }

    protected abstract Task<GatewayFactory> CreateGatewayAsync(Dictionary<string, string?> settings, CancellationToken cancellationToken);
}

/// <summary>The gateway in embedded mode, with its in-process silo.</summary>
public sealed class EmbeddedApiFuzzFixture : ApiFuzzFixture
{
    protected override Task<GatewayFactory> CreateGatewayAsync(Dictionary<string, string?> settings, CancellationToken cancellationToken) =>
        Task.FromResult(new GatewayFactory(settings));
}

/// <summary>A cluster-mode gateway in front of one silo on MariaDB and Redis.</summary>
public sealed class ClusterApiFuzzFixture(LocalServices services) : ApiFuzzFixture
{
    private ClusterDeployment? _deployment;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_deployment is not null)
        {
            await _deployment.DisposeAsync();
        }
    }

    protected override async Task<GatewayFactory> CreateGatewayAsync(Dictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        _deployment = await ClusterDeployment.StartAsync(services, "fuzz_", silos: 1, cancellationToken);
        return _deployment.CreateGateway(settings);
    }
}

/// <summary>
/// Property: whatever arrives, the gateway never answers 5xx, and every 4xx is an
/// <c>application/problem+json</c> body with a <c>code</c>. The operations come from the gateway's
/// own OpenAPI document, so a new endpoint is walked without a change here. Each case spoils the
/// path (bad room codes, huge segments, unicode, percent-encoding), the query (wrong types, huge
/// values, repeated keys), the body (invalid JSON, wrong types per property, nulls, huge strings,
/// deep nesting, arrays for objects, extra fields, bad list items) and the credentials (none, a
/// valid token, a garbage one). WebSocket paths get the same, as plain requests.
///
/// A failure prints the case and CsCheck's seed. To run exactly those cases again:
/// <c>DILEMMA_FUZZ_SEED=&lt;seed&gt; bash scripts/test.sh --filter "FullyQualifiedName~ApiFuzzTests"</c>;
/// <c>DILEMMA_FUZZ_ITERATIONS</c> sets how many cases the random walk sends (default 1,500 in
/// embedded mode, 300 in cluster mode, where each case may cross to the silo and MariaDB).
/// </summary>
public abstract class ApiFuzzTests(ApiFuzzFixture fuzz, int defaultIterations)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_openapi_document_lists_every_area_with_its_bodies()
    {
        var paths = fuzz.Operations.Select(o => o.Path).ToHashSet();

        Assert.Contains("/rooms/assign-roles/{room_code}", paths);
        Assert.Contains(fuzz.Operations, o => o.Path.StartsWith("/auth/", StringComparison.Ordinal));
        Assert.Contains(fuzz.Operations, o => o.Path.StartsWith("/research/", StringComparison.Ordinal));
        Assert.Contains(fuzz.Operations, o => o.IsSocket);
        var assign = fuzz.Operations.Single(o => o.Path == "/rooms/assign-roles/{room_code}");
        var assignments = Assert.Single(assign.Body!, p => p.Name == "assignments");
        Assert.Contains(assignments.ItemProperties, p => p.Name == "user_id");
    }

    [Fact]
    public async Task Every_operation_answers_every_kind_of_bad_body_without_a_5xx_and_with_a_problem_code()
    {
        // A sweep first, so every operation meets every body with a valid token and a real room,
        // whatever the random walk below happens to pick.
        var failures = new List<string>();
        for (var operation = 0; operation < fuzz.Operations.Count; operation++)
        {
            for (var body = 0; body < MalformedRequest.BodyKinds; body++)
            {
                var malformed = new MalformedRequest(operation, PathKind: 0, QueryKind: body % MalformedRequest.QueryKinds, body, AuthKind: 1, Size: 100 + (body * 4_999), Text: "x\"y", Salt: body);
                if (await CheckAsync(malformed) is { } failure)
                {
                    failures.Add(failure);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task No_generated_request_gets_a_5xx_and_every_4xx_is_a_problem_with_a_code()
    {
        var seed = Environment.GetEnvironmentVariable("DILEMMA_FUZZ_SEED");
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("DILEMMA_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : defaultIterations;

        await MalformedRequest.Generator(fuzz.Operations.Count).SampleAsync(
            async malformed =>
            {
                if (await CheckAsync(malformed) is { } failure)
                {
                    throw new Xunit.Sdk.XunitException(failure);
                }
            },
            writeLine: line => TestContext.Current.TestOutputHelper?.WriteLine(line),
            seed: string.IsNullOrWhiteSpace(seed) ? null : seed.Trim(),
            iter: iterations,
            threads: 2,
            print: malformed => malformed.Describe(fuzz.Operations[malformed.Operation]));
    }

    /// <summary>
    /// RFC 9110 allows the charset quoted, and any name: the framework's JSON reader threw on both (a 500). UTF-8 in any
    /// spelling is read; any other charset is 415 naming Content-Type, on every operation that takes a body.
    /// </summary>
    [Theory]
    [InlineData("application/json; charset=\"utf-8\"", false)]
    [InlineData("application/json; charset=UTF8", false)]
    [InlineData("application/json; charset=ibm037", true)]
    [InlineData("application/json; charset=\"no-such-charset\"", true)]
    public async Task A_bodys_charset_is_read_as_RFC_9110_writes_it_and_any_but_UTF_8_is_415(string contentType, bool refused)
    {
        var failures = new List<string>();
        var withBodies = Enumerable.Range(0, fuzz.Operations.Count).Where(i => fuzz.Operations[i].Body is not null && !fuzz.Operations[i].IsSocket).ToList();
        Assert.NotEmpty(withBodies);
        foreach (var index in withBodies)
        {
            var operation = fuzz.Operations[index];
            var malformed = new MalformedRequest(index, PathKind: 0, QueryKind: 0, BodyKind: 0, AuthKind: 1, Size: 0, Text: "", Salt: 0);
            if (!refused)
            {
                if (await CheckAsync(malformed, contentType) is { } failure)
                {
                    failures.Add(failure);
                }

                continue;
            }

            using var request = WithBody(malformed.Build(operation, fuzz.Context), contentType);
            using var response = await fuzz.Client.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            if ((int)response.StatusCode != 415 || !text.Contains("\"code\":\"unsupported_charset\"", StringComparison.Ordinal) || !text.Contains("\"field\":\"Content-Type\"", StringComparison.Ordinal))
            {
                failures.Add($"{operation.Method} {operation.Path} -> {(int)response.StatusCode}: {text}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>
    /// An unknown field is ignored, as the original backend ignored it; one of the request's own fields spelled in camel
    /// case is refused with 400 naming it. Ignored, choiceSeconds made a room without its timer. Every operation whose body
    /// has a snake_case field is sent its camel-case spelling; an operation that turns the caller away first (401, 403)
    /// never reads the body, and the rest must all refuse it.
    /// </summary>
    [Fact]
    public async Task A_bodys_own_field_spelled_in_camel_case_is_400_naming_it_and_an_unknown_field_is_ignored()
    {
        var failures = new List<string>();
        var refused = new List<string>();
        for (var index = 0; index < fuzz.Operations.Count; index++)
        {
            var operation = fuzz.Operations[index];
            if (operation.IsSocket || operation.Body?.FirstOrDefault(p => p.Name.Contains('_', StringComparison.Ordinal)) is not { } field)
            {
                continue;
            }

            var camel = CamelCase(field.Name);
            var malformed = new MalformedRequest(index, PathKind: 0, QueryKind: 0, BodyKind: 0, AuthKind: 1, Size: 0, Text: "", Salt: 0);
            using var request = WithBody(malformed.Build(operation, fuzz.Context), "application/json", $"{{\"{camel}\":1}}");
            using var response = await fuzz.Client.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            if ((int)response.StatusCode is 401 or 403)
            {
                continue;
            }

            if ((int)response.StatusCode == 400 && text.Contains("\"code\":\"misnamed_field\"", StringComparison.Ordinal)
                && text.Contains($"\"field\":\"{camel}\"", StringComparison.Ordinal) && text.Contains(field.Name, StringComparison.Ordinal))
            {
                refused.Add($"{operation.Method} {operation.Path}");
            }
            else
            {
                failures.Add($"{operation.Method} {operation.Path} with {camel} -> {(int)response.StatusCode}: {text}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.Contains("POST /rooms/public", refused);

        var host = await RoomKit.GuestAsync(fuzz.Client, Ct);
        using var created = await host.PostAsync("/rooms/public", new { title = "Extra fields", topic = RoomKit.Topic, notes = "ignored" }, Ct);
        Assert.True(created.StatusCode == System.Net.HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
    }

    private static string CamelCase(string snake)
    {
        var words = snake.Split('_');
        return words[0] + string.Concat(words.Skip(1).Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));
    }

    private static HttpRequestMessage WithBody(HttpRequestMessage request, string contentType, string body = "{}")
    {
        request.Content = new StringContent(body);
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return request;
    }

    /// <summary>Sends one case; the reason it breaks the property, or null if the answer is fine.</summary>
    private async Task<string?> CheckAsync(MalformedRequest malformed, string? contentType = null)
    {
        var operation = fuzz.Operations[malformed.Operation];
        using var request = contentType is null ? malformed.Build(operation, fuzz.Context) : WithBody(malformed.Build(operation, fuzz.Context), contentType);

        // Not Connection: close. Kestrel reads what the app left of a body only on a connection it keeps, and a socket
        // closed with bytes unread is reset, which loses the answer on the client's side while it is still sending.
        // 100-continue keeps a body the server answers without reading (401, 413) from being sent at all.
        request.Headers.ExpectContinue = request.Content is not null;
        HttpResponseMessage response;
        try
        {
            response = await fuzz.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        }
        catch (HttpRequestException e)
        {
            return $"no answer ({e.Message} {e.InnerException?.Message}): {malformed.Describe(operation)}";
        }

        using var answered = response;
        var status = (int)response.StatusCode;
        if (status < 400)
        {
            return null;
        }

        var text = await response.Content.ReadAsStringAsync(Ct);
        var describe = $"{malformed.Describe(operation)} -> {status}: {(text.Length > 300 ? text[..300] : text)}";
        if (status >= 500)
        {
            return "5xx: " + describe;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"not a problem ({response.Content.Headers.ContentType}): {describe}";
        }

        try
        {
            using var body = JsonDocument.Parse(text);
            return body.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString()!.Length > 0
                ? null
                : "problem without a code: " + describe;
        }
        catch (JsonException)
        {
            return "problem body is not JSON: " + describe;
        }
    }
}

public sealed class EmbeddedApiFuzzTests(EmbeddedApiFuzzFixture fuzz) : ApiFuzzTests(fuzz, defaultIterations: 1_500), IClassFixture<EmbeddedApiFuzzFixture>;

public sealed class ClusterApiFuzzTests(ClusterApiFuzzFixture fuzz) : ApiFuzzTests(fuzz, defaultIterations: 300), IClassFixture<ClusterApiFuzzFixture>;
