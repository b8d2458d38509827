using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dilemma.Tests.Ai;

/// <summary>What the fake endpoint received: the path, the Authorization header and the JSON body.</summary>
public sealed record RecordedRequest(string Path, string? Authorization, JsonElement Body)
{
    public string SystemMessage => Body.GetProperty("messages")[0].GetProperty("content").GetString()!;

    public string UserMessage => Body.GetProperty("messages")[1].GetProperty("content").GetString()!;

    /// <summary>scenario, questions, feedback or bot, read from the answer shape the system message asks for.</summary>
    public string Purpose =>
        SystemMessage.Contains("\"reason\"", StringComparison.Ordinal) ? "bot"
        : SystemMessage.Contains("\"questions\"", StringComparison.Ordinal) ? "questions"
        : SystemMessage.Contains("\"points\"", StringComparison.Ordinal) ? "feedback"
        : "scenario";
}

/// <summary>
/// An OpenAI-compatible chat-completions server on a free loopback port, started by a test: real
/// HTTP, so the real Betalgo client and the real resilience pipeline are what is tested. Scripted
/// answers (<see cref="Enqueue"/>) are used first, in order; after them <see cref="Default"/> answers.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    public const string Model = "fake-model-7b";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _inFlight;
    private int _maxInFlight;
    private int _aborted;

    private FakeOpenAiServer(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyCollection<RecordedRequest> Requests => _requests;

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Requests whose client went away (or timed out) while the server was still answering.</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>Answers every request the script does not; by default a valid answer for the request's purpose.</summary>
    public Func<HttpContext, RecordedRequest, Task> Default { get; set; } = ValidAnswer;

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeOpenAiServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/v1");
        return server;
    }

    public void Enqueue(Func<HttpContext, Task> answer) => _script.Enqueue(answer);

    public RecordedRequest Last => _requests.Last();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A chat completion whose message content is <paramref name="content"/>, with token usage.</summary>
    public static Task Completion(HttpContext context, string content, string finishReason = "stop") =>
        context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = Model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = finishReason,
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 321, ["completion_tokens"] = 123, ["total_tokens"] = 444 },
        });

    /// <summary>An error status with an OpenAI-style error body.</summary>
    public static async Task Error(HttpContext context, int status, string message = "The server had an error", string code = "server_error")
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = code, ["code"] = code } });
    }

    /// <summary>A valid answer for whatever the request asks for.</summary>
    public static Task ValidAnswer(HttpContext context, RecordedRequest request) => request.Purpose switch
    {
        "questions" => Completion(context, ModelAnswers.Questions),
        "feedback" => Completion(context, ModelAnswers.Feedback),
        "bot" => Completion(context, ModelAnswers.BotChoice),
        _ => Completion(context, ModelAnswers.Scenario()),
    };

    private async Task HandleAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var request = new RecordedRequest(context.Request.Path, context.Request.Headers.Authorization.ToString(), body.RootElement.Clone());
        _requests.Enqueue(request);
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }

        try
        {
            if (_script.TryDequeue(out var scripted))
            {
                await scripted(context);
            }
            else
            {
                await Default(context, request);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _aborted);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
