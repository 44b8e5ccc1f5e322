-- Headless Neovim 0.11 end-to-end test of `vigil serve`, configured the way a user would
-- (vim.lsp.config + vim.lsp.enable). Env: VIGIL_CMD (JSON list: the server command),
-- VIGIL_WORKDIR (a fresh folder). Exit 0 = pass, 1 = a check failed.
local CMD = vim.json.decode(assert(os.getenv('VIGIL_CMD')))
local WORK = assert(os.getenv('VIGIL_WORKDIR'))
local TIMEOUT = 30000

local function log(...) io.stdout:write(table.concat(vim.tbl_map(tostring, { ... }), ' ') .. '\n'); io.stdout:flush() end
local function fail(msg) error('CHECK FAILED: ' .. msg, 0) end

local function vigil_diags(bufnr)
  return vim.tbl_filter(function(d)
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    return code == 'DES002'
  end, vim.diagnostic.get(bufnr))
end

local function main()
  local path = WORK .. '/app.py'
  vim.cmd('filetype on')
  vim.lsp.config('vigil', { cmd = CMD, filetypes = { 'python' }, root_markers = { 'pyproject.toml', '.git' } })
  vim.lsp.enable('vigil')
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()

  -- 1. the diagnostic appears where it should (UTF-8 columns: Neovim 0.11 negotiates utf-8)
  if not vim.wait(TIMEOUT, function() return #vigil_diags(bufnr) > 0 end, 20) then
    fail('no DES002 diagnostic within ' .. TIMEOUT .. ' ms')
  end
  local d = vigil_diags(bufnr)[1]
  log(('diagnostic: line %d col %d code=%s source=%s'):format(d.lnum + 1, d.col, 'DES002', tostring(d.source)))
  -- Neovim columns are bytes: 23 is after the 4-byte emoji, whatever the negotiated encoding.
  if d.lnum ~= 3 or d.col ~= 23 then fail(('unexpected position %d:%d'):format(d.lnum, d.col)) end

  -- 2. apply the preferred quick fix the way a user does
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  vim.lsp.buf.code_action({
    context = { only = { 'quickfix' } },
    filter = function(a) return a.kind == 'quickfix' and a.isPreferred end,
    apply = true,
  })
  if not vim.wait(TIMEOUT, function()
    return vim.api.nvim_buf_get_lines(bufnr, 3, 4, false)[1]:find('yaml.safe_load(', 1, true) ~= nil
  end, 20) then
    fail('quick fix not applied: ' .. vim.api.nvim_buf_get_lines(bufnr, 3, 4, false)[1])
  end

  -- 3. save, check the file on disk, and the diagnostic goes away
  vim.cmd('write')
  local fh = assert(io.open(path, 'r')); local content = fh:read('*a'); fh:close()
  local expected = 'import yaml\n\ndef read(s):\n    x = "😀"; return yaml.safe_load(s)\n'
  if content ~= expected then fail('file on disk: ' .. vim.inspect(content)) end
  if not vim.wait(TIMEOUT, function() return #vigil_diags(bufnr) == 0 end, 20) then
    fail('DES002 still reported after the fix')
  end
  log('PASS')
end

local ok, err = xpcall(main, debug.traceback)
if not ok then log(err); vim.cmd('cquit 1') else vim.cmd('qall!') end
