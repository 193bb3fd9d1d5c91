-- repo.lua - wrk script of bench/repo: cycles through the repository's paths (one per
-- line in the file named by the first script argument), as relying parties and people
-- would use them: CRLs, CA certificates, certificate lookups, the CPS, the index page.
local paths = {}
local errors = 0

init = function(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  counter = math.random(#paths)
end

request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
