using System.Text.Json;
using Dilemma.Gateway.Rooms;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// One voice-session socket: microphone states and the recording switch go to the room grain;
/// the room's pushes (room updates, voice states, recording, presence) come back through it.
/// </summary>
public sealed partial class VoiceSession(
    string roomCode,
    long userId,
    SocketChannel socket,
    IGrainFactory grains,
    RealtimeOptions options,
    ILogger logger) : IRoomObserver
{
    private readonly string _connectionId = Guid.NewGuid().ToString("N");
    private IRoomObserver? _reference;

    // Built once: Orleans resolves the interface by reflection and type-name formatting on every GetGrain.
    private IRoomPresence Room => field ??= grains.GetGrain<IRoomPresence>(roomCode);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Kept alive by the endpoint for the socket's life: the runtime holds observers weakly.
        var reference = grains.CreateObjectReference<IRoomObserver>(this);
        _reference = reference;
        try
        {
            await JoinAsync();
            var renewal = RenewAsync(socket.Closing);
            await socket.RunAsync(HandleAsync, cancellationToken);
            await renewal;
        }
        finally
        {
            await SocketCleanup.RunAsync(() => Room.LeaveVoiceAsync(userId, _connectionId), logger);
            SocketCleanup.ReleaseLater(grains, reference, this);
        }
    }

    public void OnRoomUpdated(RoomSnapshot room) => socket.Send(new RoomUpdatedMessage("room_updated", room.ToResponse()));

    public void OnVoiceStatus(VoiceStatus status) =>
        socket.Send(new VoiceStatusMessage("voice_status_update", status.UserId, status.IsMicOn, status.IsSpeaking, status.At));

    public void OnRecording(RecordingState recording) =>
        socket.Send(new RecordingMessage("recording_state", recording.IsRecording, recording.ChangedBy, recording.ChangedAt));

    public void OnPresence(long userId, bool connected) => socket.Send(new PresenceMessage("participant_connection", userId, connected));

    public void OnParticipantEvent(string type, long userId, DateTimeOffset at) => socket.Send(new ParticipantEventMessage(type, userId, at));

    public void OnFacilitatorMessage(string message, DateTimeOffset at) => socket.Send(new FacilitatorMessage("facilitator_message", message, at));

    public void OnReplaced() => socket.Close(CloseCodes.Replaced, "replaced by a newer connection");

    public void OnNoLongerParticipant() => socket.Close(CloseCodes.NotParticipant, "not_participant");

    /// <summary>Subscribes to the room; a user who left between the upgrade and now gets 4003.</summary>
    private async Task JoinAsync()
    {
        try
        {
            await Room.JoinVoiceAsync(userId, _connectionId, _reference!);
        }
        catch (RuleViolationException e)
        {
            LogRenewalRefused(logger, e.Code);
            socket.Close(CloseCodes.NotParticipant, e.Code);
        }
    }

    // Voice messages come a few a minute, and several fields of each are read: a document per message costs nothing here.
    private async Task HandleAsync(SocketMessage message)
    {
        using var document = message.Parse();
        await HandleAsync(document.RootElement, message.Type);
    }

    private async Task HandleAsync(JsonElement message, string type)
    {
        switch (type)
        {
            case "init":
                if (await Room.RenewVoiceAsync(userId, _connectionId, _reference!) is not { } state)
                {
                    socket.Close(CloseCodes.Replaced, "replaced by a newer connection");
                    return;
                }

                socket.Send(new SessionStateMessage(
                    "session_state",
                    state.RoomCode,
                    state.Participants.Select(p => new ParticipantState(p.UserId, p.Nickname, p.RoleId, p.IsMicOn, p.IsSpeaking, p.Connected ? "connected" : "disconnected")).ToList(),
                    new RecordingView(state.Recording.IsRecording, state.Recording.ChangedBy, state.Recording.ChangedAt)));
                break;
            case "voice_status_update":
                if (!TryReadBool(message, "is_mic_on", out var micOn) || !TryReadBool(message, "is_speaking", out var speaking))
                {
                    socket.Refuse("invalid_message", "voice_status_update needs is_mic_on and is_speaking (true or false).");
                    return;
                }

                await Room.UpdateVoiceStatusAsync(userId, micOn, speaking);
                break;
            case "start_recording" or "stop_recording":
                await Room.SetRecordingAsync(userId, type == "start_recording", socket.Closing);
                break;
            case "link_state":
                if (!TryReadLong(message, "peer_user_id", out var peer)
                    || !message.TryGetProperty("state", out var linkState) || linkState.ValueKind != JsonValueKind.String
                    || !TryReadBool(message, "relayed", out var relayed))
                {
                    socket.Refuse("invalid_message", "link_state needs peer_user_id (a user id), state (new, connecting, connected, disconnected, failed or closed) and relayed (true or false).");
                    return;
                }

                await Room.ReportLinkStateAsync(userId, peer, linkState.GetString()!, relayed);
                break;
            case "link_quality":
                if (!LinkQualityMessage.TryRead(message, out var roundNumber, out var links, out var problem))
                {
                    socket.Refuse("invalid_message", "link_quality: " + problem);
                    return;
                }

                await Room.RecordLinkQualityAsync(userId, roundNumber, links, socket.Closing);
                break;
            case "ping":
                socket.Send(new TypeOnly("pong"));
                break;
            default:
                socket.Refuse("unknown_type", "Unknown message type; send init, voice_status_update, link_state, link_quality, start_recording or stop_recording.");
                break;
        }
    }

    private static bool TryReadBool(JsonElement message, string name, out bool value)
    {
        value = false;
        if (!message.TryGetProperty(name, out var element) || element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return false;
        }

        value = element.GetBoolean();
        return true;
    }

    private static bool TryReadLong(JsonElement message, string name, out long value)
    {
        value = 0;
        return message.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.RenewSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (await Room.RenewVoiceAsync(userId, _connectionId, _reference!, cancellationToken) is null)
                {
                    socket.Close(CloseCodes.Replaced, "replaced by a newer connection");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The socket closed.
        }
        catch (RuleViolationException e)
        {
            LogRenewalRefused(logger, e.Code);
            socket.Close(CloseCodes.NotParticipant, e.Code);
        }
        catch (Exception e) when (ClusterFaults.MendedByReconnecting(e))
        {
            LogRenewalFailed(logger, e.GetType().Name);
            socket.Close(CloseCodes.TryAgainLater, "cluster unavailable");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voice renewal failed ({Reason}); closing the socket so that its client reconnects")]
    private static partial void LogRenewalFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Voice renewal refused ({Code}); closing the socket")]
    private static partial void LogRenewalRefused(ILogger logger, string code);

    private sealed record TypeOnly(string Type);

    private sealed record RoomUpdatedMessage(string Type, RoomResponse Room);

    private sealed record VoiceStatusMessage(string Type, long UserId, bool IsMicOn, bool IsSpeaking, DateTimeOffset At);

    private sealed record RecordingView(bool IsRecording, long? ChangedBy, DateTimeOffset? ChangedAt);

    private sealed record RecordingMessage(string Type, bool IsRecording, long? ChangedBy, DateTimeOffset? ChangedAt);

    private sealed record FacilitatorMessage(string Type, string Message, DateTimeOffset At);

    private sealed record PresenceMessage(string Type, long UserId, bool Connected);

    private sealed record ParticipantEventMessage(string Type, long UserId, DateTimeOffset At);

    private sealed record ParticipantState(long UserId, string Nickname, int? RoleId, bool IsMicOn, bool IsSpeaking, string ConnectionState);

    private sealed record SessionStateMessage(string Type, string RoomCode, IReadOnlyList<ParticipantState> Participants, RecordingView Recording);
}
