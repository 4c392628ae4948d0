%% Peer 6 of the fairness benchmark (bench/src/fairness/run.ts): GET
%% /factorial?n=N answered by a process per request, the BEAM way, on a
%% small gen_tcp HTTP/1.1 server (kernel and stdlib only, so erlang-base is
%% enough).
%%
%% One process per connection reads requests (keep-alive); for each request
%% it spawns a process that computes N! and waits for it while watching the
%% socket: if the client goes away first, the computing process is killed,
%% as Strand kills the handler of a request whose client left.
%%
%%   erlc -o /tmp/f fairness_server.erl
%%   erl -noshell +S 2 -pa /tmp/f -run fairness_server main 3000
-module(fairness_server).
-export([main/1]).

-define(MAX_N, 1000000000).
%% Results shorter than this many bits are printed in full digits (as in the Strand demo).
-define(FULL_DIGITS_BELOW_BITS, 200000).

main([PortArg]) ->
    Port = list_to_integer(PortArg),
    {ok, Listen} = gen_tcp:listen(Port, [binary, {packet, http_bin}, {active, false},
                                         {reuseaddr, true}, {ip, {127, 0, 0, 1}},
                                         {backlog, 1024}, {nodelay, true}]),
    io:format("READY Erlang/OTP ~s, ~b schedulers on http://127.0.0.1:~b/ (pid ~s)~n",
              [otp_version(), erlang:system_info(schedulers_online), Port, os:getpid()]),
    accept(Listen).

otp_version() ->
    Release = erlang:system_info(otp_release),
    File = filename:join([code:root_dir(), "releases", Release, "OTP_VERSION"]),
    case file:read_file(File) of
        {ok, Version} -> string:trim(binary_to_list(Version));
        _ -> Release
    end.

accept(Listen) ->
    case gen_tcp:accept(Listen) of
        {ok, Socket} ->
            Pid = spawn(fun() -> receive go -> connection(Socket) end end),
            ok = gen_tcp:controlling_process(Socket, Pid),
            Pid ! go,
            accept(Listen);
        {error, Reason} ->
            io:format(standard_error, "accept: ~p~n", [Reason]),
            accept(Listen)
    end.

%% Requests on one connection, one after another.
connection(Socket) ->
    case gen_tcp:recv(Socket, 0) of
        {ok, {http_request, Method, {abs_path, Target}, _Version}} ->
            case skip_headers(Socket) of
                ok ->
                    request(Socket, Method, Target),
                    connection(Socket);
                {error, _} ->
                    gen_tcp:close(Socket)
            end;
        {ok, _Other} ->
            respond(Socket, 400, <<"text/plain">>, <<"bad request\n">>),
            gen_tcp:close(Socket);
        {error, _} ->
            gen_tcp:close(Socket)
    end.

skip_headers(Socket) ->
    case gen_tcp:recv(Socket, 0) of
        {ok, http_eoh} -> ok;
        {ok, {http_header, _, _, _, _}} -> skip_headers(Socket);
        {ok, {http_error, _}} -> skip_headers(Socket);
        {error, Reason} -> {error, Reason}
    end.

request(Socket, 'GET', Target) ->
    case parse(Target) of
        {ok, N} -> compute(Socket, N);
        {Status, Body} -> respond(Socket, Status, <<"text/plain; charset=utf-8">>, Body)
    end;
request(Socket, _Method, _Target) ->
    respond(Socket, 405, <<"text/plain; charset=utf-8">>, <<"only GET\n">>).

parse(Target) ->
    case uri_string:parse(Target) of
        #{path := <<"/factorial">>} = Uri ->
            Query = uri_string:dissect_query(maps:get(query, Uri, <<>>)),
            case lists:keyfind(<<"n">>, 1, Query) of
                {_, Raw} when is_binary(Raw), byte_size(Raw) >= 1, byte_size(Raw) =< 10 ->
                    case catch binary_to_integer(Raw) of
                        N when is_integer(N), N >= 0, N =< ?MAX_N -> {ok, N};
                        _ -> bad_n()
                    end;
                _ -> bad_n()
            end;
        #{} -> {404, <<"not found\n">>};
        _ -> {400, <<"bad request target\n">>}
    end.

bad_n() ->
    {400, iolist_to_binary(io_lib:format("n must be an integer from 0 to ~b~n", [?MAX_N]))}.

%% A process per request computes N!; this one waits for it and for the client to leave.
compute(Socket, N) ->
    Self = self(),
    Ref = make_ref(),
    {Worker, Monitor} = spawn_monitor(fun() -> Self ! {Ref, answer(N)} end),
    ok = inet:setopts(Socket, [{active, once}]),
    receive
        {Ref, Body} ->
            erlang:demonitor(Monitor, [flush]),
            ok = inet:setopts(Socket, [{active, false}]),
            respond(Socket, 200, <<"application/json">>, Body);
        {'DOWN', Monitor, process, Worker, Reason} ->
            ok = inet:setopts(Socket, [{active, false}]),
            respond(Socket, 500, <<"text/plain">>, iolist_to_binary(io_lib:format("~p~n", [Reason])));
        {tcp_closed, Socket} ->
            exit(Worker, kill),
            exit(normal);
        {tcp_error, Socket, _} ->
            exit(Worker, kill),
            exit(normal)
    end.

answer(N) ->
    Acc = factorial(2, N, 1),
    Bits = bits(Acc),
    {Digits, Exact} = case Bits < ?FULL_DIGITS_BELOW_BITS of
        true -> {length(integer_to_list(Acc)), true};
        false -> {trunc((Bits - 1) * math:log10(2)) + 1, false}
    end,
    iolist_to_binary(io_lib:format("{\"n\":~b,\"bits\":~b,\"digits\":~b,\"exactDigits\":~s}",
                                   [N, Bits, Digits, Exact])).

factorial(I, N, Acc) when I > N -> Acc;
factorial(I, N, Acc) -> factorial(I + 1, N, Acc * I).

bits(0) -> 0;
bits(X) ->
    <<First, _/binary>> = Bytes = binary:encode_unsigned(X),
    (byte_size(Bytes) - 1) * 8 + top_bits(First).

top_bits(0) -> 0;
top_bits(B) -> 1 + top_bits(B bsr 1).

respond(Socket, Status, Type, Body) ->
    Head = io_lib:format("HTTP/1.1 ~b ~s\r\ncontent-type: ~s\r\ncontent-length: ~b\r\n\r\n",
                         [Status, reason(Status), Type, byte_size(Body)]),
    gen_tcp:send(Socket, [Head, Body]).

reason(200) -> "OK";
reason(400) -> "Bad Request";
reason(404) -> "Not Found";
reason(405) -> "Method Not Allowed";
reason(_) -> "Internal Server Error".
