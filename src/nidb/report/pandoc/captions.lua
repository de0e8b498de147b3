-- Real Word captions for the report's tables and figures (DOCX only).
-- A caption that starts with 「表 2-4」 or 「图 3-1」 becomes 「表 2-」 + a SEQ 表 field that shows 4,
-- so Word lists it under 插入表目录 / 题注 and renumbers it like a caption it inserted itself.

local function seq(kind, chapter, number)
  return pandoc.RawInline("openxml",
    '<w:r><w:t xml:space="preserve">' .. kind .. ' ' .. chapter .. '-</w:t></w:r>'
    .. '<w:fldSimple w:instr=" SEQ ' .. kind .. ' \\r ' .. number .. ' \\* ARABIC ">'
    .. '<w:r><w:t>' .. number .. '</w:t></w:r></w:fldSimple>')
end

local function numbered(inlines)
  -- 「表」 Space 「2-4」 … : the first two words name the table
  if #inlines >= 3 and inlines[1].t == "Str" and (inlines[1].text == "表" or inlines[1].text == "图")
      and inlines[2].t == "Space" and inlines[3].t == "Str" then
    local chapter, number = inlines[3].text:match("^(%d+)%-(%d+)$")
    if chapter then
      local out = pandoc.List({seq(inlines[1].text, chapter, number)})
      for i = 4, #inlines do out:insert(inlines[i]) end
      return out
    end
  end
  return nil
end

local function caption(block)
  if block.caption and block.caption.long and #block.caption.long > 0 then
    local first = block.caption.long[1]
    if first.content then
      local replaced = numbered(first.content)
      if replaced then first.content = replaced end
    end
  end
  return block
end

if FORMAT:match("docx") then
  return {{Table = caption, Figure = caption}}
end
return {}
