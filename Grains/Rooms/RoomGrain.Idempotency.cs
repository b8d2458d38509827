using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Exactly-once room commands under an <c>Idempotency-Key</c>. The answer is kept in the room's own
/// state and written by the same write as the change it answers: a call that committed and whose
/// answer was lost (a timeout, a silo that died) is answered from storage on retry, and a call that
/// did not commit left no answer behind, so its retry runs it.
/// </summary>
public sealed partial class RoomGrain
{
    /// <summary>The command being run under a key, until <see cref="SaveAsync"/> stores its answer with the change.</summary>
    private (string Key, string Fingerprint)? _pendingAnswer;

    public Task<RoomSnapshot> RunOnceAsync(RoomCommand command, string idempotencyKey, CancellationToken cancellationToken) =>
        OnceAsync(command.UserId, idempotencyKey, Idempotency.Fingerprint(command), () => RunAsync(command, cancellationToken), cancellationToken);

    /// <summary>
    /// Runs <paramref name="run"/> once under <paramref name="userId"/>'s <paramref name="idempotencyKey"/>: its answer is
    /// stored by the write that stores its change, and a call under a key already answered gets that answer and runs nothing.
    /// </summary>
    private async Task<RoomSnapshot> OnceAsync(long userId, string idempotencyKey, string fingerprint, Func<Task<RoomSnapshot>> run, CancellationToken cancellationToken)
    {
        var key = $"{userId}:{idempotencyKey}";
        if (State.Answers.Find(a => a.Key == key) is { } kept)
        {
            return kept.Fingerprint == fingerprint ? kept.Answer! : throw Idempotency.Reused();
        }

        _pendingAnswer = (key, fingerprint);
        try
        {
            var answer = await run();
            if (_pendingAnswer is not null)
            {
                // The command changed nothing (joining a room one sits in): keep its answer all the
                // same, so a retry after later changes still gets this first answer.
                KeepPendingAnswer(answer);

                // Should the write fail, memory is ahead of storage: the room's call filter deactivates it.
                await room.WriteStateAsync(cancellationToken);
            }

            return State.Answers.Find(a => a.Key == key)?.Answer ?? answer;
        }
        finally
        {
            _pendingAnswer = null;
        }
    }

    private Task<RoomSnapshot> RunAsync(RoomCommand command, CancellationToken cancellationToken) => command.Kind switch
    {
        RoomCommandKind.Create => CreateAsync(command.Creation! with { CreatorId = command.UserId }, cancellationToken),
        RoomCommandKind.Join or RoomCommandKind.QuickJoin => JoinAsync(command.UserId, command.Nickname, cancellationToken),
        RoomCommandKind.Leave => LeaveAsync(command.UserId, cancellationToken),
        RoomCommandKind.AssignRoles => AssignRolesAsync(command.UserId, command.Assignments, cancellationToken),
        RoomCommandKind.Start => StartAsync(command.UserId, cancellationToken),
        RoomCommandKind.HandHost => HandHostAsync(command.UserId, command.TargetUserId!.Value, cancellationToken),
        RoomCommandKind.RemoveParticipant => RemoveParticipantAsync(command.UserId, command.TargetUserId!.Value, cancellationToken),
        RoomCommandKind.EndEarly => EndEarlyAsync(command.UserId, cancellationToken),
        RoomCommandKind.AddBots => AddBotsAsync(command.UserId, command.Count!.Value, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.Kind, "Unknown room command."),
    };

    /// <summary>Called by <see cref="SaveAsync"/> just before the write, so the answer is stored with the change.</summary>
    private void KeepPendingAnswer() => KeepPendingAnswer(Snapshot());

    private void KeepPendingAnswer(RoomSnapshot answer)
    {
        if (_pendingAnswer is not { } pending)
        {
            return;
        }

        State.Answers.Add(new IdempotentAnswerState { Key = pending.Key, Fingerprint = pending.Fingerprint, Answer = answer });
        Idempotency.Trim(State.Answers, IdempotencyKeys.KeptPerRoom);
        _pendingAnswer = null;
    }
}
