using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Dilemma.Gateway.Ice;
using Dilemma.Gateway.Telemetry;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Realtime;

/// <summary>The two WebSockets: signaling (<c>/ws/signaling</c>) and the voice session (<c>/ws/voice/{room_code}</c>).</summary>
public static class RealtimeApi
{
    public static IServiceCollection AddRealtime(this IServiceCollection services)
    {
        services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.SectionName)
            .Validate(o => o.MaxMessageBytes is >= 1024 and <= 16 * 1024 * 1024, "Realtime:MaxMessageBytes must be from 1024 to 16777216.")
            .Validate(o => o.MessagesPerSecond > 0 && o.MessageBurst > 0 && o.MaxViolations > 0 && o.SendQueueCapacity > 0, "Realtime limits must be positive.")
            .Validate(o => o.KeepAliveSeconds > 0 && o.KeepAliveTimeoutSeconds > o.KeepAliveSeconds && o.RenewSeconds > 0, "Realtime:KeepAliveTimeoutSeconds must exceed Realtime:KeepAliveSeconds; both and RenewSeconds positive.")
            .Validate(o => o.IceRefreshLeadSeconds > 0, "Realtime:IceRefreshLeadSeconds must be positive.")
            .ValidateOnStart();
        return services;
    }

    public static void MapRealtimeApi(this WebApplication app)
    {
        app.UseWebSockets();
        var sockets = app.MapGroup("/ws").WithTags("Realtime");
        sockets.MapGet("/signaling", SignalingAsync)
            .WithSummary("WebSocket: WebRTC signaling (join, offer, answer, candidate) for one room")
            .WithDescription("Query: room_code, and token (access token) or ticket (from POST /auth/ws-ticket). Refused before the upgrade with 401/403/404. Close codes: 1008 too many refused messages, 1013 receiver too slow, 4000 replaced by a newer socket of the same user, 4003 no longer a participant.");
        sockets.MapGet("/voice/{room_code}", VoiceAsync)
            .WithSummary("WebSocket: the room's voice session (init, voice_status_update, start_recording, stop_recording) and room_updated pushes");
    }

    public static Task<IResult> SignalingAsync(
        HttpContext context,
        [FromQuery(Name = "room_code")] string? roomCode,
        IGrainFactory grains,
        IIceConfigSource ice,
        TimeProvider time,
        IOptions<RealtimeOptions> options,
        IOptions<HttpJsonOptions> json,
        EdgeMetrics metrics,
        ILoggerFactory loggers) =>
        AcceptAsync(context, EdgeMetrics.Signaling, roomCode, grains, options.Value, json.Value, loggers.CreateLogger<SignalingSession>(), (userId, channel, logger) =>
            new SignalingSession(roomCode!, userId, channel, grains, ice, time, options.Value, metrics, logger).RunAsync(context.RequestAborted));

    public static Task<IResult> VoiceAsync(
        HttpContext context,
        [FromRoute(Name = "room_code")] string roomCode,
        IGrainFactory grains,
        IOptions<RealtimeOptions> options,
        IOptions<HttpJsonOptions> json,
        ILoggerFactory loggers) =>
        AcceptAsync(context, EdgeMetrics.Voice, roomCode, grains, options.Value, json.Value, loggers.CreateLogger<VoiceSession>(), (userId, channel, logger) =>
            new VoiceSession(roomCode, userId, channel, grains, options.Value, logger).RunAsync(context.RequestAborted));

    /// <summary>Admits the caller (or answers why not), accepts the socket and runs a session on it until it closes.</summary>
    private static async Task<IResult> AcceptAsync(
        HttpContext context,
        string kind,
        string? roomCode,
        IGrainFactory grains,
        RealtimeOptions options,
        HttpJsonOptions json,
        ILogger logger,
        Func<long, SocketChannel, ILogger, Task> runSession)
    {
        var (userId, refusal) = await SocketAdmission.AdmitAsync(context, roomCode, grains, options);
        if (refusal is not null)
        {
            return refusal;
        }

        using var socket = await SocketAdmission.AcceptAsync(context, options);
        await using var channel = new SocketChannel(socket, options, json.SerializerOptions, logger);
        var metrics = context.RequestServices.GetRequiredService<EdgeMetrics>();
        metrics.SocketOpened(kind);
        try
        {
            await runSession(userId, channel, logger);
        }
        finally
        {
            metrics.SocketClosed(kind, channel.CloseCode, channel.RateLimitedMessages);
        }

        return Results.Empty;
    }
}
