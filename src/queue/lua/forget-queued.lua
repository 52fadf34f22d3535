-- Queued-documents entries whose job is no longer pending; an entry a newer job took over
-- stays. An entry is "<job id>\t<ms when claimed>".
-- KEYS: queued-documents hash. ARGV: id, job id for each entry.
for i = 1, #ARGV, 2 do
  if string.match(redis.call('HGET', KEYS[1], ARGV[i]) or '', '^[^\t]*') == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1
